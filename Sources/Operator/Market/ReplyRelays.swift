import Foundation
import Logging
import NostrBridge
import Synchronization

/// Connections to relays that tenants named in their requests, opened when first needed and
/// closed when idle. Publishing to them is best effort and never waited for: a tenant's relay
/// that is slow or gone must not hold up answers to anyone else, and the provider's own relays
/// (where every answer also goes) stay the record.
final class ReplyRelays: Sendable {
    private struct Link {
        let pool: RelayPool
        let task: Task<Void, Never>
        var lastUsed: ContinuousClock.Instant
    }

    private struct State {
        var links: [String: Link] = [:]
        var inFlight = 0
    }

    private let state = Mutex(State())
    private let signer: RelayAuthSigner?
    private let logger: Logger
    /// Bounds on what tenants' relay lists can make the provider hold open.
    private let maxConnections: Int
    private let maxInFlight: Int
    private let idleAfter: Duration

    init(signer: RelayAuthSigner?, logger: Logger, maxConnections: Int = 32, maxInFlight: Int = 256, idleAfter: Duration = .seconds(600)) {
        self.signer = signer
        self.logger = logger
        self.maxConnections = maxConnections
        self.maxInFlight = maxInFlight
        self.idleAfter = idleAfter
    }

    deinit { closeAll() }

    /// Sends `event` to each relay in the background.
    func send(_ event: NostrEvent, to relays: [String]) {
        for url in relays {
            guard let pool = link(url) else { continue }
            let admitted = state.withLock { state -> Bool in
                guard state.inFlight < maxInFlight else { return false }
                state.inFlight += 1
                return true
            }
            guard admitted else {
                logger.debug("too many answers in flight to tenants' relays; one skipped", metadata: ["relay": "\(url)"])
                continue
            }
            Task { [self] in
                let outcomes = await pool.publish(event, timeout: .seconds(10))
                state.withLock { $0.inFlight -= 1 }
                if !outcomes.values.contains(where: \.isSuccess) {
                    logger.debug("a tenant's relay did not take an answer", metadata: ["relay": "\(url)", "outcomes": "\(outcomes)"])
                }
            }
        }
    }

    /// The open connection to `url`, opening one (and closing idle or least recently used ones
    /// to stay within bounds) when needed.
    private func link(_ url: String) -> RelayPool? {
        let now = ContinuousClock.now
        return state.withLock { state -> RelayPool? in
            if var link = state.links[url] {
                link.lastUsed = now
                state.links[url] = link
                return link.pool
            }
            for (key, link) in state.links where now - link.lastUsed > idleAfter {
                link.task.cancel()
                state.links[key] = nil
            }
            while state.links.count >= maxConnections, let oldest = state.links.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                oldest.value.task.cancel()
                state.links[oldest.key] = nil
            }
            guard let pool = try? RelayPool(relays: [url], signer: signer, logger: logger) else { return nil }
            let task = Task { _ = try? await pool.run() }
            state.links[url] = Link(pool: pool, task: task, lastUsed: now)
            return pool
        }
    }

    func closeAll() {
        state.withLock { state in
            for link in state.links.values { link.task.cancel() }
            state.links.removeAll()
        }
    }
}
