import Logging
import NIOConcurrencyHelpers

/// Settings for a `RelayPool`.
public struct RelayPoolConfiguration: Sendable {
    /// Applied to every relay connection.
    public var connection: RelayConnectionConfiguration
    /// Events buffered per subscription for a slow consumer. When full, the *oldest* buffered
    /// element is dropped to make room (counted in `RelayPoolHealth.droppedOnOverflow`): a consumer
    /// that cannot keep up is better served by recent events, and memory stays bounded. (An
    /// `.endOfStoredEvents` still in the buffer can be dropped that way too.)
    public var subscriptionBufferSize: Int
    /// Event ids remembered per subscription to suppress duplicates across relays and replays
    /// after a resubscribe. Must exceed what one resubscribe can replay.
    public var deduplicationWindow: Int

    public init(
        connection: RelayConnectionConfiguration = .init(),
        subscriptionBufferSize: Int = 1024,
        deduplicationWindow: Int = 10_000
    ) {
        self.connection = connection
        self.subscriptionBufferSize = max(1, subscriptionBufferSize)
        self.deduplicationWindow = max(1, deduplicationWindow)
    }
}

/// A snapshot of the pool for metrics.
public struct RelayPoolHealth: Sendable, Hashable {
    /// Keyed by relay URL.
    public var relays: [String: RelayHealth]
    public var activeSubscriptions: Int
    /// Events handed to subscribers (after de-duplication).
    public var eventsDelivered: Int
    /// Copies of already-delivered events that were not delivered again.
    public var duplicatesSuppressed: Int
    /// Events dropped because a subscriber's buffer was full.
    public var droppedOnOverflow: Int

    /// Forged or otherwise invalid events, over all relays.
    public var droppedInvalid: Int { self.relays.values.reduce(0) { $0 + $1.droppedInvalid } }
}

/// Several relays used as one: subscriptions fan out to all of them and their events come back
/// de-duplicated; publishes go to all of them and report per relay.
///
/// Lifetime: `run()` runs every connection (as child tasks) until the calling task is cancelled;
/// then subscriptions finish and publishes fail with `closed`. `subscribe` and `publish` may be
/// called before `run()` starts: they take effect once relays connect.
public final class RelayPool: Sendable {
    /// The crypto core's full check (hex shapes, id, BIP-340 signature, clock skew, size).
    public static let defaultVerifier: RelayEventVerifier = { event in
        (try? event.validate()) != nil
    }

    public let relayURLs: [String]
    private let connections: [RelayConnection]
    private let configuration: RelayPoolConfiguration
    private let logger: Logger
    private let state: NIOLockedValueBox<State>

    /// - Parameters:
    ///   - relays: `ws://` or `wss://` URLs; duplicates are ignored.
    ///   - verifier: decides whether an event may be trusted; failures are dropped and counted.
    ///   - signer: answers NIP-42 challenges; without it, relays requiring AUTH refuse us.
    ///   - unitRandom: jitter source for reconnect backoff, uniform in `0..<1`.
    public init(
        relays: [String],
        configuration: RelayPoolConfiguration = .init(),
        verifier: @escaping RelayEventVerifier = RelayPool.defaultVerifier,
        signer: RelayAuthSigner? = nil,
        logger: Logger = Logger(label: "nostr.relay-pool"),
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) throws(RelayError) {
        var urls: [String] = []
        for url in relays where !urls.contains(url) {
            urls.append(url)
        }
        let state = NIOLockedValueBox(State())
        var connections: [RelayConnection] = []
        for url in urls {
            connections.append(
                try RelayConnection(
                    url: url,
                    configuration: configuration.connection,
                    verifier: verifier,
                    signer: signer,
                    logger: logger,
                    unitRandom: unitRandom,
                    // Captures the state box, not the pool, so the pool has no reference cycle.
                    onOutput: { output in
                        state.withLockedValue { $0.handle(output, from: url) }
                    }
                )
            )
        }
        self.relayURLs = urls
        self.connections = connections
        self.configuration = configuration
        self.logger = logger
        self.state = state
    }

    /// Runs every relay connection until the calling task is cancelled. Runs once: a second call
    /// returns immediately.
    public func run() async throws {
        let shouldRun = self.state.withLockedValue { state in
            guard state.lifecycle == .notStarted else { return false }
            state.lifecycle = .running
            return true
        }
        guard shouldRun else { return }
        await withTaskGroup(of: Void.self) { group in
            for connection in self.connections {
                group.addTask {
                    // `RelayConnection.run` only returns on cancellation; nothing to report.
                    try? await connection.run()
                }
            }
            await group.waitForAll()
        }
        // Finish outside the lock: `finish()` calls `onTermination`, which takes the lock.
        let continuations = self.state.withLockedValue { state in
            state.lifecycle = .finished
            defer { state.subscriptions.removeAll() }
            return state.subscriptions.values.map(\.continuation)
        }
        for continuation in continuations {
            continuation.finish()
        }
    }

    /// Subscribes on every relay. The stream yields each matching, verified event once, then
    /// `.endOfStoredEvents` once every connected relay has sent EOSE, then live events. It finishes
    /// when the pool stops; ending the iteration (or dropping the stream) closes the subscription.
    public func subscribe(_ filters: [Filter]) throws(RelayError) -> AsyncStream<RelaySubscriptionEvent> {
        guard !filters.isEmpty else { throw RelayError(.invalidFilter, "a subscription needs at least one filter") }
        let (stream, continuation) = AsyncStream.makeStream(
            of: RelaySubscriptionEvent.self,
            bufferingPolicy: .bufferingNewest(self.configuration.subscriptionBufferSize)
        )
        let id: String? = self.state.withLockedValue { state in
            guard state.lifecycle != .finished else { return nil }
            state.nextSubscriptionNumber += 1
            let id = "ncn-\(state.nextSubscriptionNumber)"
            state.subscriptions[id] = Subscription(
                continuation: continuation,
                recent: RelayRecentIDs(capacity: self.configuration.deduplicationWindow)
            )
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.unsubscribe(id)
        }
        for connection in self.connections {
            try connection.subscribe(id: id, filters: filters)
        }
        return stream
    }

    /// Publishes to every relay concurrently and reports each one's answer. `OK true` and
    /// `OK false "duplicate:"` count as success. `timeout` (default from the configuration) applies
    /// per relay and includes time queued while a relay is disconnected.
    public func publish(_ event: NostrEvent, timeout: Duration? = nil) async -> [String: PublishOutcome] {
        await withTaskGroup(of: (String, PublishOutcome).self) { group in
            for connection in self.connections {
                group.addTask {
                    (connection.url, await connection.publish(event, timeout: timeout))
                }
            }
            var outcomes: [String: PublishOutcome] = [:]
            for await (url, outcome) in group {
                outcomes[url] = outcome
            }
            return outcomes
        }
    }

    public func health() -> RelayPoolHealth {
        var relays: [String: RelayHealth] = [:]
        for connection in self.connections {
            relays[connection.url] = connection.health()
        }
        return self.state.withLockedValue { state in
            RelayPoolHealth(
                relays: relays,
                activeSubscriptions: state.subscriptions.count,
                eventsDelivered: state.eventsDelivered,
                duplicatesSuppressed: state.duplicatesSuppressed,
                droppedOnOverflow: state.droppedOnOverflow
            )
        }
    }

    private func unsubscribe(_ id: String) {
        let removed = self.state.withLockedValue { $0.subscriptions.removeValue(forKey: id) }
        guard removed != nil else { return }
        for connection in self.connections {
            connection.unsubscribe(id: id)
        }
    }
}

// MARK: - Locked state

extension RelayPool {
    fileprivate struct Subscription {
        let continuation: AsyncStream<RelaySubscriptionEvent>.Continuation
        var recent: RelayRecentIDs
        /// Relays that sent EOSE (or CLOSED) for this subscription at least once.
        var answered: Set<String> = []
        var endOfStoredEventsSent = false
    }

    fileprivate enum Lifecycle { case notStarted, running, finished }

    fileprivate struct State {
        var lifecycle = Lifecycle.notStarted
        var subscriptions: [String: Subscription] = [:]
        var connected: Set<String> = []
        var nextSubscriptionNumber = 0
        var eventsDelivered = 0
        var duplicatesSuppressed = 0
        var droppedOnOverflow = 0

        /// Applies one connection output. Yields happen under the lock so that de-duplication and
        /// delivery order agree across relays. (Yielding never calls back into the pool; finishing
        /// a stream would, through `onTermination`, so that is never done here.)
        mutating func handle(_ output: RelayConnection.Output, from relay: String) {
            switch output {
            case .connected:
                self.connected.insert(relay)
            case .disconnected:
                self.connected.remove(relay)
                // A relay that went away no longer holds anyone's EOSE back.
                for id in self.subscriptions.keys {
                    self.sendEndOfStoredEventsIfComplete(id)
                }
            case .event(let id, let event):
                // Inserted in place through the dictionary: a copy of the subscription would share
                // the window's storage and copy all of it on every event (a profile of intake under
                // load found 17 % of the operator's CPU there).
                guard let inserted = self.subscriptions[id]?.recent.insert(event.id),
                    let continuation = self.subscriptions[id]?.continuation
                else { return }
                guard inserted else {
                    self.duplicatesSuppressed += 1
                    return
                }
                if case .dropped = continuation.yield(.event(event, relay: relay)) {
                    self.droppedOnOverflow += 1
                }
                self.eventsDelivered += 1
            case .endOfStoredEvents(let id), .subscriptionClosed(let id, _):
                self.subscriptions[id]?.answered.insert(relay)
                self.sendEndOfStoredEventsIfComplete(id)
            }
        }

        /// EOSE is due once at least one relay answered and every connected relay did. Relays that
        /// are down do not count: their events arrive, de-duplicated, whenever they come back.
        private mutating func sendEndOfStoredEventsIfComplete(_ id: String) {
            guard let subscription = self.subscriptions[id], !subscription.endOfStoredEventsSent,
                !subscription.answered.isEmpty, self.connected.isSubset(of: subscription.answered)
            else { return }
            self.subscriptions[id]?.endOfStoredEventsSent = true
            if case .dropped = subscription.continuation.yield(.endOfStoredEvents) {
                self.droppedOnOverflow += 1
            }
        }
    }
}
