import ComputeAPI
import Foundation
import Logging
import Metrics
import NostrBridge
import Synchronization

/// Keeps the provider's offer (kind 31900) current on the relays: builds it from the
/// ComputeProvider and the live inventory, and publishes it when `OfferSchedule` says so (at
/// start, after changes once they settle, and periodically with a fresh expiration). Runs until
/// cancelled, on the leader only; publishing failures are logged and retried.
///
/// Every offer has the same `d` (the provider's name) and a `created_at` above the previous
/// one's, even within one second: relays keep the newest per (kind, pubkey, d) and break a tie
/// by the lowest id, which would let an older offer win at random.
public final class OfferPublisher<C: Clock>: Sendable where C.Duration == Duration {
    public typealias Publish = @Sendable (NostrEvent) async throws -> Void

    private let provider: @Sendable () -> ComputeProvider?
    private let inventory: Inventory
    private let key: SecretKey
    private let lockKey: String?
    private let bidLifetime: TimeInterval?
    private let timing: OfferTiming
    private let pollInterval: Duration
    private let clock: C
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let publish: Publish
    private let wake = ChangeSignal()
    private let state = Mutex(State())

    private struct State {
        var snapshot: InventorySnapshot?
        var lastPublished: NostrEvent?
    }

    /// - Parameters:
    ///   - provider: the current ComputeProvider (e.g. from an informer's store); nil publishes
    ///     nothing, and the last offer lapses at its expiration.
    ///   - inventory: a running Inventory; nothing is published before it has synced.
    ///   - key: the provider's Nostr key, which signs the offer.
    ///   - lockKey: the Cashu P2PK key (compressed, 66 hex) the offer names; without it the offer
    ///     leaves Cashu out.
    ///   - pollInterval: how often `provider` is read for price or policy changes, besides
    ///     `providerMayHaveChanged()`.
    ///   - clock: times the schedule; `now` stamps `created_at` and the expiration.
    ///   - publish: sends one event; throwing means no relay has it (see `RelayPool.publishAccepted`).
    public init(
        provider: @escaping @Sendable () -> ComputeProvider?, inventory: Inventory, key: SecretKey, lockKey: String?,
        bidLifetime: TimeInterval? = nil, timing: OfferTiming = OfferTiming(), pollInterval: Duration = .seconds(1), clock: C,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "ncn.offer"), publish: @escaping Publish
    ) {
        self.provider = provider
        self.inventory = inventory
        self.key = key
        self.lockKey = lockKey
        self.bidLifetime = bidLifetime
        self.timing = timing
        self.pollInterval = pollInterval
        self.clock = clock
        self.now = now
        self.logger = logger
        self.publish = publish
    }

    /// The last offer a relay accepted.
    public var lastPublished: NostrEvent? { state.withLock { $0.lastPublished } }

    /// Look at the provider now rather than at the next poll (e.g. its informer saw an update).
    public func providerMayHaveChanged() { wake.signal() }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await snapshot in self.inventory.snapshots() {
                    self.state.withLock { $0.snapshot = snapshot }
                    self.wake.signal()
                }
            }
            await loop()
            group.cancelAll()
        }
    }

    private func loop() async {
        var schedule = OfferSchedule<ComputeOffer, C.Instant>(timing: timing)
        var lastCreatedAt: Int64 = 0
        var lastProblem: String?
        while !Task.isCancelled {
            let content = currentContent(lastProblem: &lastProblem)
            schedule.observe(content, at: clock.now)
            switch schedule.decision(at: clock.now) {
            case let .wait(until):
                let poll = clock.now.advanced(by: pollInterval)
                await sleep(until: until.map { min($0, poll) } ?? poll)
            case let .publish(reason):
                guard let content else { continue }
                let createdAt = max(Int64(now().timeIntervalSince1970), lastCreatedAt + 1)
                // Stamped before the attempt: a relay may have stored it even if the call failed.
                lastCreatedAt = createdAt
                do {
                    let event = try sign(content, createdAt: createdAt)
                    try await publish(event)
                    // NIP-61: nutzap wallets find the provider's mints and lock key here.
                    if let terms = content.cashu, var info = ComputeNutzapInfo.eventBuilder(terms: terms, relays: content.relays) {
                        info.createdAt = createdAt
                        if let signed = try? info.sign(with: key) { try? await publish(signed) }
                    }
                    // NIP-89: generic NIP-90 clients find providers of kind 5900 by their 31990.
                    if let handler = try? handlerInfo(content, expiration: event.expiration, createdAt: createdAt) { try? await publish(handler) }
                    schedule.published(content, at: clock.now)
                    state.withLock { $0.lastPublished = event }
                    Counter(label: "ncn_offers_published_total", dimensions: [("reason", reason.rawValue)]).increment()
                    logger.info("published the provider offer", metadata: [
                        "reason": "\(reason.rawValue)", "id": "\(event.id)", "d": "\(content.identifier)",
                        "cpuFree": "\(content.capacity.cpuMillicoresFree)m", "expiration": "\(event.expiration ?? 0)",
                    ])
                } catch {
                    if Task.isCancelled { return }
                    schedule.failed(at: clock.now)
                    Counter(label: "ncn_offer_publish_failures_total").increment()
                    logger.warning("publishing the provider offer failed; retrying", metadata: [
                        "error": "\(error)", "retryIn": "\(timing.retry)",
                    ])
                }
            }
        }
    }

    /// The offer without its expiration, which is what decides whether anything changed.
    private func currentContent(lastProblem: inout String?) -> ComputeOffer? {
        guard let provider = provider(), let snapshot = state.withLock({ $0.snapshot }) else { return nil }
        do {
            let offer = try OfferBuilder.offer(for: provider, inventory: snapshot, lockKey: lockKey, expiresAt: nil, bidLifetime: bidLifetime)
            lastProblem = nil
            return offer
        } catch {
            // Logged once per distinct problem, not on every poll.
            if lastProblem != error.description {
                lastProblem = error.description
                logger.error("cannot publish the provider offer", metadata: ["error": "\(error)"])
            }
            return nil
        }
    }

    private func sign(_ content: ComputeOffer, createdAt: Int64) throws(ComputeEventError) -> NostrEvent {
        var offer = content
        offer.expiration = createdAt + timing.ttl.components.seconds
        return try offer.sign(with: key, createdAt: createdAt)
    }

    /// The NIP-89 announcement (kind 31990) for the offer: same `d`, same expiration.
    private func handlerInfo(_ content: ComputeOffer, expiration: Int64?, createdAt: Int64) throws(EventError) -> NostrEvent {
        let name = "ncn compute provider \(content.identifier)"
        let info = ComputeHandlerInfo(identifier: content.identifier, name: name, about: content.about, expiration: expiration)
        return try info.eventBuilder(provider: key.publicKey.hex).createdAt(createdAt).sign(with: key)
    }

    /// Until `deadline`, or sooner when the inventory or provider may have changed.
    private func sleep(until deadline: C.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wake.wait(timeout: nil) }
            group.addTask { try? await self.clock.sleep(until: deadline, tolerance: nil) }
            await group.next()
            group.cancelAll()
        }
    }
}

extension OfferPublisher where C == ContinuousClock {
    /// On the monotonic clock, which a wall-clock jump cannot fool.
    public convenience init(
        provider: @escaping @Sendable () -> ComputeProvider?, inventory: Inventory, key: SecretKey, lockKey: String?,
        bidLifetime: TimeInterval? = nil, timing: OfferTiming = OfferTiming(), pollInterval: Duration = .seconds(1), logger: Logger = Logger(label: "ncn.offer"),
        publish: @escaping Publish
    ) {
        self.init(provider: provider, inventory: inventory, key: key, lockKey: lockKey, bidLifetime: bidLifetime, timing: timing,
                  pollInterval: pollInterval, clock: ContinuousClock(), logger: logger, publish: publish)
    }
}
