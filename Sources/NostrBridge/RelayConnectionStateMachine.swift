/// Everything one relay connection decides, with no IO: it is fed inputs (connection came up,
/// a message arrived, a timer fired, the user published) and answers with actions for the
/// driver (`RelayConnection`) to carry out. Time and randomness come in from outside, so tests
/// can drive any scenario deterministically.
///
/// It owns three things:
/// - the connection lifecycle and reconnect backoff;
/// - the active subscriptions, and where each should resume after a reconnect;
/// - the events being published, queued while disconnected (bounded) and re-sent after a reconnect
///   until the relay answers `OK` (duplicates are harmless: the relay answers `duplicate:`).
struct RelayConnectionStateMachine: Sendable {
    /// A reading of both clocks: the monotonic one measures how long a connection lasted; the
    /// wall clock (Unix seconds) is what `created_at` and `since` are expressed in.
    struct Time: Sendable, Hashable {
        var instant: ContinuousClock.Instant
        var unixSeconds: Int64
    }

    struct Configuration: Sendable {
        var relayURL: String
        var backoff: RelayBackoff
        var resubscribeMarginSeconds: Int64
        var maxPendingPublishes: Int
        var authPolicy: RelayAuthPolicy
        /// Whether a signer was injected; without one, `auth-required:` is final.
        var canAuthenticate: Bool
    }

    enum DiscardReason: Sendable, Hashable {
        /// Not (or no longer) one of ours, e.g. an event racing our `CLOSE`.
        case unknownSubscription
        /// The relay sent something the subscription did not ask for.
        case filterMismatch
    }

    enum Action: Sendable, Hashable {
        /// Open a WebSocket connection.
        case connect
        /// Write these frames, in order, on the current connection.
        case send([ClientMessage])
        /// Sleep, then feed `timerFired()`.
        case scheduleReconnect(after: Duration)
        /// Close the current connection (then feed `disconnected`).
        case closeConnection
        /// Have the signer sign this, then feed `authSigned` or `authSigningFailed`.
        case signAuth(RelayAuthRequest)
        /// Resolve whoever waits for this event's publish.
        case completePublish(eventID: String, PublishOutcome)
        case deliver(subscriptionID: String, NostrEvent)
        case discard(subscriptionID: String, DiscardReason)
        case endOfStoredEvents(subscriptionID: String)
        /// The relay ended this subscription for good (on this connection).
        case subscriptionClosed(subscriptionID: String, RelayStatusMessage)
        /// Something went wrong that is worth surfacing in health and logs, but needs no other reaction.
        case reportError(RelayError)
    }

    enum State: Sendable {
        case idle
        /// `failures`: consecutive unsuccessful attempts before this one; it indexes the backoff.
        case connecting(failures: Int)
        case connected(Connection)
        case backingOff(failures: Int)
        case closed
    }

    struct Connection: Sendable {
        var since: Time
        var failuresBefore: Int
        /// NIP-42: the latest challenge on this connection.
        var challenge: String?
        var auth: AuthState = .none
    }

    enum AuthState: Sendable, Hashable {
        case none
        case signing
        case sent(eventID: String)
        case authenticated
        case failed
    }

    struct Subscription: Sendable {
        enum Phase: Sendable, Hashable {
            /// Not sent on the current connection (or there is none).
            case inactive
            /// `REQ` sent, stored events flowing.
            case requested
            /// `EOSE` seen: live events only.
            case live
            /// The relay said `auth-required:`; re-sent once authenticated.
            case awaitingAuth(RelayStatusMessage)
            /// The relay said `CLOSED`; retried on the next connection only, to avoid a REQ/CLOSED loop.
            case closedByRelay
        }

        let id: String
        var filters: [Filter]
        /// Newest `created_at` delivered (capped at our clock, so a future-dated event cannot
        /// make us skip everything up to its date).
        var newestSeen: Int64?
        /// Wall-clock time of the latest `EOSE`: we had everything stored up to then.
        var caughtUpAt: Int64?
        var phase: Phase = .inactive
    }

    struct PendingPublish: Sendable {
        enum Status: Sendable, Hashable {
            case queued
            case sent
            case awaitingAuth(RelayStatusMessage)
        }

        let event: NostrEvent
        var status: Status
        /// Each publish is retried after authenticating at most once, so a relay that keeps
        /// saying `auth-required:` cannot loop us.
        var retriedAfterAuth = false
    }

    private(set) var state: State = .idle
    private(set) var subscriptions: [Subscription] = []
    private(set) var publishes: [PendingPublish] = []
    let configuration: Configuration
    /// Uniform in `0..<1`; injected so that tests can pin the jitter.
    private let unitRandom: @Sendable () -> Double

    init(configuration: Configuration, unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.configuration = configuration
        self.unitRandom = unitRandom
    }

    // MARK: Lifecycle

    mutating func start() -> [Action] {
        guard case .idle = self.state else { return [] }
        self.state = .connecting(failures: 0)
        return [.connect]
    }

    mutating func connectSucceeded(now: Time) -> [Action] {
        switch self.state {
        case .connecting(let failures):
            self.state = .connected(Connection(since: now, failuresBefore: failures))
        case .closed:
            // Closed while the connection was being established: tear it down straight away.
            return [.closeConnection]
        case .idle, .connected, .backingOff:
            return []
        }
        var frames: [ClientMessage] = []
        for index in self.subscriptions.indices {
            self.subscriptions[index].phase = .requested
            frames.append(.req(subscriptionID: self.subscriptions[index].id, filters: self.resumeFilters(self.subscriptions[index])))
        }
        for index in self.publishes.indices {
            self.publishes[index].status = .sent
            frames.append(.event(self.publishes[index].event))
        }
        return frames.isEmpty ? [] : [.send(frames)]
    }

    mutating func connectFailed() -> [Action] {
        guard case .connecting(let failures) = self.state else { return [] }
        return self.backOff(failures: failures)
    }

    mutating func disconnected(now: Time) -> [Action] {
        guard case .connected(let connection) = self.state else { return [] }
        let lasted = now.instant - connection.since.instant
        // A short-lived connection is one more failure; a stable one resets the backoff.
        let failures = lasted >= self.configuration.backoff.stableAfter ? 0 : connection.failuresBefore
        for index in self.subscriptions.indices {
            self.subscriptions[index].phase = .inactive
        }
        for index in self.publishes.indices {
            // Whatever was on the wire may have been lost with the connection: send it again.
            self.publishes[index].status = .queued
        }
        return self.backOff(failures: failures)
    }

    mutating func timerFired() -> [Action] {
        guard case .backingOff(let failures) = self.state else { return [] }
        self.state = .connecting(failures: failures)
        return [.connect]
    }

    /// Stops for good: fails every pending publish and closes the connection if there is one.
    mutating func close() -> [Action] {
        let wasConnected: Bool
        switch self.state {
        case .closed:
            return []
        case .connected:
            wasConnected = true
        case .idle, .connecting, .backingOff:
            wasConnected = false
        }
        self.state = .closed
        var actions: [Action] = wasConnected ? [.closeConnection] : []
        for publish in self.publishes {
            actions.append(.completePublish(eventID: publish.event.id, .failed(Self.closedError)))
        }
        self.publishes.removeAll()
        self.subscriptions.removeAll()
        return actions
    }

    private mutating func backOff(failures: Int) -> [Action] {
        self.state = .backingOff(failures: failures + 1)
        let delay = self.configuration.backoff.delay(attempt: failures, unitRandom: self.unitRandom())
        return [.scheduleReconnect(after: delay)]
    }

    // MARK: Subscriptions

    /// Adds a subscription, or replaces the filters of an existing one (NIP-01: a new `REQ`
    /// with the same id overwrites). The caller validates the id.
    mutating func subscribe(id: String, filters: [Filter]) -> [Action] {
        if case .closed = self.state { return [] }
        let subscription = Subscription(id: id, filters: filters)
        let index: Int
        if let existing = self.subscriptions.firstIndex(where: { $0.id == id }) {
            self.subscriptions[existing] = subscription
            index = existing
        } else {
            self.subscriptions.append(subscription)
            index = self.subscriptions.count - 1
        }
        guard case .connected = self.state else { return [] }
        self.subscriptions[index].phase = .requested
        return [.send([.req(subscriptionID: id, filters: filters)])]
    }

    mutating func unsubscribe(id: String) -> [Action] {
        guard let index = self.subscriptions.firstIndex(where: { $0.id == id }) else { return [] }
        let phase = self.subscriptions.remove(at: index).phase
        guard case .connected = self.state else { return [] }
        switch phase {
        case .requested, .live:
            return [.send([.close(subscriptionID: id)])]
        case .inactive, .awaitingAuth, .closedByRelay:
            // The relay holds no subscription under this id.
            return []
        }
    }

    /// The filters to re-send after a reconnect: `since` moved up to the resume point minus the
    /// margin, and `limit` dropped when it was, because `limit` picks the *newest* n events and
    /// would silently cut the catch-up short after a long outage.
    func resumeFilters(_ subscription: Subscription) -> [Filter] {
        guard let resumePoint = subscription.newestSeen ?? subscription.caughtUpAt else { return subscription.filters }
        let since = resumePoint - self.configuration.resubscribeMarginSeconds
        return subscription.filters.map { filter in
            guard since > (filter.since ?? .min) else { return filter }
            var filter = filter
            filter.since = since
            filter.limit = nil
            return filter
        }
    }

    // MARK: Publishing

    mutating func publish(_ event: NostrEvent) -> [Action] {
        if case .closed = self.state {
            return [.completePublish(eventID: event.id, .failed(Self.closedError))]
        }
        // Already under way: the caller simply waits for the same OK.
        if self.publishes.contains(where: { $0.event.id == event.id }) { return [] }
        guard self.publishes.count < self.configuration.maxPendingPublishes else {
            let error = RelayError(
                .outboundQueueFull,
                "\(self.publishes.count) events already waiting for \(self.configuration.relayURL); not queueing more"
            )
            return [.completePublish(eventID: event.id, .failed(error))]
        }
        if case .connected = self.state {
            self.publishes.append(PendingPublish(event: event, status: .sent))
            return [.send([.event(event)])]
        }
        self.publishes.append(PendingPublish(event: event, status: .queued))
        return []
    }

    /// The caller gave up (timeout, cancellation): forget the event. A late `OK` is then ignored.
    mutating func cancelPublish(eventID: String) {
        self.publishes.removeAll { $0.event.id == eventID }
    }

    // MARK: Inbound messages

    /// Feeds one parsed message. `EVENT`s must already have passed verification: an unverified
    /// event must not move a subscription's resume point.
    mutating func received(_ message: RelayMessage, now: Time) -> [Action] {
        guard case .connected = self.state else { return [] }
        switch message {
        case .event(let subscriptionID, let event):
            return self.receivedEvent(event, subscriptionID: subscriptionID, now: now)
        case .endOfStoredEvents(let subscriptionID):
            return self.receivedEndOfStoredEvents(subscriptionID, now: now)
        case .ok(let eventID, let accepted, let message):
            return self.receivedOK(eventID: eventID, accepted: accepted, message: message, now: now)
        case .closed(let subscriptionID, let message):
            return self.receivedClosed(subscriptionID, message: message, now: now)
        case .auth(let challenge):
            return self.receivedChallenge(challenge, now: now)
        case .notice:
            return []
        }
    }

    private mutating func receivedEvent(_ event: NostrEvent, subscriptionID: String, now: Time) -> [Action] {
        guard let index = self.subscriptions.firstIndex(where: { $0.id == subscriptionID }) else {
            return [.discard(subscriptionID: subscriptionID, .unknownSubscription)]
        }
        switch self.subscriptions[index].phase {
        case .requested, .live:
            break
        case .inactive, .awaitingAuth, .closedByRelay:
            return [.discard(subscriptionID: subscriptionID, .unknownSubscription)]
        }
        guard self.subscriptions[index].filters.anyMatches(event) else {
            return [.discard(subscriptionID: subscriptionID, .filterMismatch)]
        }
        let seen = min(event.createdAt, now.unixSeconds)
        self.subscriptions[index].newestSeen = max(self.subscriptions[index].newestSeen ?? seen, seen)
        return [.deliver(subscriptionID: subscriptionID, event)]
    }

    private mutating func receivedEndOfStoredEvents(_ subscriptionID: String, now: Time) -> [Action] {
        guard let index = self.subscriptions.firstIndex(where: { $0.id == subscriptionID }),
            self.subscriptions[index].phase == .requested
        else { return [] }
        self.subscriptions[index].phase = .live
        self.subscriptions[index].caughtUpAt = now.unixSeconds
        return [.endOfStoredEvents(subscriptionID: subscriptionID)]
    }

    private mutating func receivedOK(eventID: String, accepted: Bool, message: RelayStatusMessage, now: Time) -> [Action] {
        guard case .connected(let connection) = self.state else { return [] }
        if case .sent(let authEventID) = connection.auth, authEventID == eventID {
            return accepted ? self.authSucceeded() : self.authFailed(reason: "relay refused AUTH: \(message.raw)")
        }
        guard let index = self.publishes.firstIndex(where: { $0.event.id == eventID && $0.status == .sent }) else {
            // An OK for something we gave up on, or never sent.
            return []
        }
        if message.prefix == .authRequired, !accepted, !self.publishes[index].retriedAfterAuth,
            self.authenticationMayHelp(connection)
        {
            self.publishes[index].status = .awaitingAuth(message)
            return self.authenticateIfPossible(now: now)
        }
        self.publishes.remove(at: index)
        return [.completePublish(eventID: eventID, PublishOutcome(okAccepted: accepted, message: message))]
    }

    private mutating func receivedClosed(_ subscriptionID: String, message: RelayStatusMessage, now: Time) -> [Action] {
        guard case .connected(let connection) = self.state,
            let index = self.subscriptions.firstIndex(where: { $0.id == subscriptionID })
        else { return [] }
        switch self.subscriptions[index].phase {
        case .requested, .live:
            break
        case .inactive, .awaitingAuth, .closedByRelay:
            return []
        }
        if message.prefix == .authRequired, self.authenticationMayHelp(connection) {
            self.subscriptions[index].phase = .awaitingAuth(message)
            return self.authenticateIfPossible(now: now)
        }
        self.subscriptions[index].phase = .closedByRelay
        return [.subscriptionClosed(subscriptionID: subscriptionID, message)]
    }

    // MARK: NIP-42

    private mutating func receivedChallenge(_ challenge: String, now: Time) -> [Action] {
        guard case .connected(var connection) = self.state else { return [] }
        connection.challenge = challenge
        self.state = .connected(connection)
        let wanted = self.configuration.authPolicy == .eager || self.hasWorkAwaitingAuth
        guard self.configuration.canAuthenticate, wanted else { return [] }
        return self.authenticateIfPossible(now: now)
    }

    /// Once authenticated (or after a failed attempt), `auth-required:` is final on this connection.
    private func authenticationMayHelp(_ connection: Connection) -> Bool {
        guard self.configuration.canAuthenticate else { return false }
        switch connection.auth {
        case .none, .signing, .sent: return true
        case .authenticated, .failed: return false
        }
    }

    /// Starts signing if there is a challenge and no attempt under way; otherwise waits for one.
    private mutating func authenticateIfPossible(now: Time) -> [Action] {
        guard case .connected(var connection) = self.state, connection.auth == .none,
            let challenge = connection.challenge
        else { return [] }
        connection.auth = .signing
        self.state = .connected(connection)
        return [.signAuth(RelayAuthRequest(relayURL: self.configuration.relayURL, challenge: challenge, createdAt: now.unixSeconds))]
    }

    /// The signer produced `event`; send it if it still answers the current challenge.
    mutating func authSigned(_ event: NostrEvent) -> [Action] {
        guard case .connected(var connection) = self.state, connection.auth == .signing,
            let challenge = connection.challenge,
            RelayAuthRequest(relayURL: self.configuration.relayURL, challenge: challenge, createdAt: 0).isAnswered(by: event)
        else { return [] }
        connection.auth = .sent(eventID: event.id)
        self.state = .connected(connection)
        return [.send([.auth(event)])]
    }

    mutating func authSigningFailed(_ reason: String) -> [Action] {
        guard case .connected(let connection) = self.state, connection.auth == .signing else { return [] }
        return self.authFailed(reason: reason)
    }

    private mutating func authSucceeded() -> [Action] {
        guard case .connected(var connection) = self.state else { return [] }
        connection.auth = .authenticated
        self.state = .connected(connection)
        var frames: [ClientMessage] = []
        for index in self.subscriptions.indices {
            guard case .awaitingAuth = self.subscriptions[index].phase else { continue }
            self.subscriptions[index].phase = .requested
            frames.append(.req(subscriptionID: self.subscriptions[index].id, filters: self.resumeFilters(self.subscriptions[index])))
        }
        for index in self.publishes.indices {
            guard case .awaitingAuth = self.publishes[index].status else { continue }
            self.publishes[index].status = .sent
            self.publishes[index].retriedAfterAuth = true
            frames.append(.event(self.publishes[index].event))
        }
        return frames.isEmpty ? [] : [.send(frames)]
    }

    /// Everything that waited for authentication gets the relay's original refusal.
    private mutating func authFailed(reason: String) -> [Action] {
        guard case .connected(var connection) = self.state else { return [] }
        connection.auth = .failed
        self.state = .connected(connection)
        var actions: [Action] = [.reportError(RelayError(.authenticationFailed, reason))]
        for index in self.subscriptions.indices {
            guard case .awaitingAuth(let message) = self.subscriptions[index].phase else { continue }
            self.subscriptions[index].phase = .closedByRelay
            actions.append(.subscriptionClosed(subscriptionID: self.subscriptions[index].id, message))
        }
        self.publishes.removeAll { publish in
            guard case .awaitingAuth(let message) = publish.status else { return false }
            actions.append(.completePublish(eventID: publish.event.id, .rejected(message)))
            return true
        }
        return actions
    }

    private var hasWorkAwaitingAuth: Bool {
        self.subscriptions.contains { if case .awaitingAuth = $0.phase { true } else { false } }
            || self.publishes.contains { if case .awaitingAuth = $0.status { true } else { false } }
    }

    // MARK: Introspection (health)

    var healthState: RelayHealth.State {
        switch self.state {
        case .idle: .idle
        case .connecting: .connecting
        case .connected: .connected
        case .backingOff: .backingOff
        case .closed: .closed
        }
    }

    var consecutiveFailures: Int {
        switch self.state {
        case .connecting(let failures), .backingOff(let failures): failures
        case .connected(let connection): connection.failuresBefore
        case .idle, .closed: 0
        }
    }

    var isAuthenticated: Bool {
        if case .connected(let connection) = self.state, connection.auth == .authenticated { return true }
        return false
    }

    var isConnected: Bool {
        if case .connected = self.state { return true }
        return false
    }

    static let closedError = RelayError(.closed, "relay connection is closed")
}
