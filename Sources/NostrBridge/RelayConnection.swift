import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import WSClient

/// Decides whether an event may be trusted; events that fail it are dropped and counted.
/// Inject the crypto core's check (`RelayPool.defaultVerifier` uses `NostrEvent.validate()`).
public typealias RelayEventVerifier = @Sendable (NostrEvent) -> Bool

/// One relay, kept connected: drives `RelayConnectionStateMachine` over a `WSClient` WebSocket.
///
/// `run()` owns all of the connection's work (connecting, reading, writing, signing AUTH,
/// sleeping between attempts) as child tasks and returns when its task is cancelled. The other
/// methods may be called from anywhere, before, during or after `run()`.
///
/// Concurrency: the state machine and all bookkeeping sit behind one lock. Inputs are applied
/// under it and outbound frames are enqueued under it too, so frames leave in the order the state
/// machine decided them. Everything else (resuming publishers, calling `onOutput`, logging)
/// happens after the lock is released.
public final class RelayConnection: Sendable {
    /// What the connection reports to its owner, in order, from the connection's own tasks.
    /// The handler must be quick and must not block: it runs on the read path.
    public enum Output: Sendable, Hashable {
        case connected
        case disconnected
        /// A verified event that matches the subscription's filters.
        case event(subscriptionID: String, NostrEvent)
        case endOfStoredEvents(subscriptionID: String)
        case subscriptionClosed(subscriptionID: String, RelayStatusMessage)
    }

    public let url: String
    let configuration: RelayConnectionConfiguration
    let verifier: RelayEventVerifier
    let signer: RelayAuthSigner?
    let onOutput: @Sendable (Output) -> Void
    let logger: Logger
    let shared: NIOLockedValueBox<Shared>

    /// - Parameters:
    ///   - verifier: decides whether a received event may be trusted; failures are dropped and counted.
    ///   - signer: signs NIP-42 AUTH events; without one, `auth-required:` answers are final.
    ///   - unitRandom: jitter source, uniform in `0..<1`.
    ///   - onOutput: receives events and subscription signals.
    public init(
        url: String,
        configuration: RelayConnectionConfiguration = .init(),
        verifier: @escaping RelayEventVerifier,
        signer: RelayAuthSigner? = nil,
        logger: Logger = Logger(label: "nostr.relay"),
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        onOutput: @escaping @Sendable (Output) -> Void
    ) throws(RelayError) {
        try Self.validate(url: url)
        self.url = url
        self.configuration = configuration
        self.verifier = verifier
        self.signer = signer
        self.onOutput = onOutput
        var logger = logger
        logger[metadataKey: "relay"] = .string(url)
        self.logger = logger
        let machine = RelayConnectionStateMachine(
            configuration: .init(
                relayURL: url,
                backoff: configuration.backoff,
                resubscribeMarginSeconds: configuration.resubscribeMargin.components.seconds,
                maxPendingPublishes: configuration.maxPendingPublishes,
                authPolicy: configuration.authPolicy,
                canAuthenticate: signer != nil
            ),
            unitRandom: unitRandom
        )
        self.shared = NIOLockedValueBox(Shared(machine: machine, health: RelayHealth(url: url)))
    }

    // MARK: Public API

    /// Connects and stays connected, reconnecting with backoff, until the calling task is
    /// cancelled; then fails whatever is still waiting to be published and returns. Runs once:
    /// a second call returns immediately.
    public func run() async throws {
        var effects = self.feed { $0.start() }
        // Already started (or finished) by another call: that call owns the lifecycle.
        guard effects.next != nil else { return }
        self.execute(effects)
        loop: while let step = effects.next, !Task.isCancelled {
            switch step {
            case .connect:
                effects = await self.connectOnce()
            case .sleep(let delay):
                self.logger.debug("reconnecting after backoff", metadata: ["delay": "\(delay)"])
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    break loop
                }
                effects = self.feed { $0.timerFired() }
            }
            self.execute(effects)
        }
        self.execute(self.feed { $0.close() })
        self.logger.debug("relay connection stopped")
    }

    /// Starts (or replaces) a subscription. It is sent now if connected, else on connecting, and
    /// re-sent after every reconnect with `since` moved forward (see `RelayConnectionConfiguration`).
    public func subscribe(id: String, filters: [Filter]) throws(RelayError) {
        try ClientMessage.validateSubscriptionID(id)
        guard !filters.isEmpty else { throw RelayError(.invalidFilter, "a subscription needs at least one filter") }
        self.execute(self.feed { $0.subscribe(id: id, filters: filters) })
    }

    public func unsubscribe(id: String) {
        self.execute(self.feed { $0.unsubscribe(id: id) })
    }

    /// Sends `event` and waits for the relay's `OK`. While disconnected the event waits in a bounded
    /// queue and goes out on reconnect; `timeout` covers the whole wait. Publishing the same event
    /// concurrently sends it once and gives every caller the same answer.
    public func publish(_ event: NostrEvent, timeout: Duration? = nil) async -> PublishOutcome {
        let timeout = timeout ?? self.configuration.publishTimeout
        let (waiterID, effects) = self.shared.withLockedValue { shared in
            let waiterID = shared.registerWaiter(eventID: event.id)
            let actions = shared.machine.publish(event)
            return (waiterID, shared.apply(actions))
        }
        self.execute(effects)

        return await withTaskGroup(of: PublishOutcome?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let outcome = self.shared.withLockedValue {
                        $0.installWaiter(eventID: event.id, waiterID: waiterID, continuation: continuation)
                    }
                    if let outcome { continuation.resume(returning: outcome) }
                }
            }
            group.addTask {
                // Returns early, with nil, when the caller is cancelled.
                try? await Task.sleep(for: timeout)
                return nil
            }
            if let first = await group.next(), let outcome = first {
                group.cancelAll()
                return outcome
            }
            let failure =
                Task.isCancelled
                ? RelayError(.cancelled, "publish to \(self.url) was cancelled")
                : RelayError(.timeout, "no OK from \(self.url) within \(timeout)")
            let resumption = self.shared.withLockedValue {
                $0.abandonWaiter(eventID: event.id, waiterID: waiterID, outcome: .failed(failure))
            }
            if let (continuation, outcome) = resumption {
                continuation.resume(returning: outcome)
            }
            // The waiter child now returns promptly: with the failure, or with an OK that won the race.
            while let result = await group.next() {
                if let outcome = result { return outcome }
            }
            return .failed(failure)
        }
    }

    public func health() -> RelayHealth {
        self.shared.withLockedValue { shared in
            var health = shared.health
            health.state = shared.machine.healthState
            health.consecutiveFailures = shared.machine.consecutiveFailures
            health.authenticated = shared.machine.isAuthenticated
            health.pendingPublishes = shared.machine.publishes.count
            health.subscriptions = shared.machine.subscriptions.count
            return health
        }
    }

    // MARK: Applying the state machine's actions

    func feed(
        _ input: (inout RelayConnectionStateMachine) -> [RelayConnectionStateMachine.Action]
    ) -> Effects {
        self.shared.withLockedValue { shared in
            shared.apply(input(&shared.machine))
        }
    }

    /// The part of an input's consequences that must run outside the lock.
    func execute(_ effects: Effects) {
        for (continuation, outcome) in effects.resumptions {
            continuation.resume(returning: outcome)
        }
        for error in effects.errors {
            self.logger.warning("\(error.message)")
        }
        for output in effects.outputs {
            self.onOutput(output)
        }
    }

    /// Relay-controlled junk is logged at the 1st, 2nd, 4th, 8th… occurrence only, so a hostile
    /// relay cannot flood the logs; the health counters keep the exact numbers.
    static func isWorthLogging(_ count: Int) -> Bool {
        count > 0 && count & (count - 1) == 0
    }

    static func now() -> RelayConnectionStateMachine.Time {
        .init(instant: .now, unixSeconds: Int64(Date().timeIntervalSince1970))
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as RelayError: error.message
        case let error as WebSocketClientError: error.description
        case let error as IOError: "\(error)"
        default: String(describing: error)
        }
    }

    static func validate(url: String) throws(RelayError) {
        guard let components = URLComponents(string: url),
            let scheme = components.scheme?.lowercased(), scheme == "ws" || scheme == "wss",
            let host = components.host, !host.isEmpty
        else {
            throw RelayError(.invalidURL, "not a ws:// or wss:// URL: \(RelayWireCoding.quoted(url, limit: 200))")
        }
    }
}
