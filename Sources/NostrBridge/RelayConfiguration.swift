/// Exponential backoff with jitter between reconnection attempts.
///
/// The n-th consecutive failure waits `min(maximumDelay, initialDelay × multiplierⁿ)`, shortened by
/// a random fraction of up to `jitter`. Jitter only ever shortens, so `maximumDelay` is a hard cap,
/// while many clients cut off by one relay restart still spread their reconnects out.
public struct RelayBackoff: Sendable, Hashable {
    public var initialDelay: Duration
    public var multiplier: Double
    public var maximumDelay: Duration
    /// In `0...1`: the largest fraction of a delay that randomization may remove.
    public var jitter: Double
    /// A connection that stayed up at least this long counts as stable: when it drops, backoff
    /// starts again from `initialDelay`. A shorter one counts as another failure, so a relay that
    /// accepts and immediately drops connections does not get hammered.
    public var stableAfter: Duration

    public init(
        initialDelay: Duration = .milliseconds(500),
        multiplier: Double = 2,
        maximumDelay: Duration = .seconds(60),
        jitter: Double = 0.3,
        stableAfter: Duration = .seconds(30)
    ) {
        self.initialDelay = initialDelay
        self.multiplier = max(1, multiplier)
        self.maximumDelay = maximumDelay
        self.jitter = min(1, max(0, jitter))
        self.stableAfter = stableAfter
    }

    /// The delay before retry number `attempt` (0-based); `unitRandom` is uniform in `0..<1`.
    public func delay(attempt: Int, unitRandom: Double) -> Duration {
        let initial = self.initialDelay.seconds
        let cap = self.maximumDelay.seconds
        // pow may overflow to +inf for large attempts; min() then yields the cap, which is what we want.
        let base = min(cap, initial * Self.power(self.multiplier, max(0, attempt)))
        let random = min(max(unitRandom, 0), 1)
        return .seconds(base * (1 - self.jitter * random))
    }

    private static func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<min(exponent, 2048) {
            result *= base
            if result.isInfinite { break }
        }
        return result
    }
}

/// Settings for one relay connection.
public struct RelayConnectionConfiguration: Sendable {
    public var backoff: RelayBackoff
    /// On reconnect, every subscription is re-sent with `since` = newest `created_at` seen minus this,
    /// to cover events the relay received around the disconnect and clock skew between authors.
    public var resubscribeMargin: Duration
    /// Upper bound on events waiting to be sent or acknowledged; beyond it `publish` fails at once
    /// with `outboundQueueFull` instead of growing memory while a relay is down.
    public var maxPendingPublishes: Int
    /// How long `publish` waits for the relay's `OK`, including time spent queued while disconnected.
    public var publishTimeout: Duration
    /// TCP connect plus the WebSocket upgrade.
    public var connectTimeout: Duration
    /// Largest message accepted from the relay (events with big contents can exceed the 16 KiB default).
    public var maxMessageSize: Int
    /// WebSocket ping period; a missing pong closes the connection, which detects dead peers. `nil` disables.
    public var pingInterval: Duration?
    /// How long to wait for the relay's close frame when we close.
    public var closeTimeout: Duration
    public var authPolicy: RelayAuthPolicy

    public init(
        backoff: RelayBackoff = .init(),
        resubscribeMargin: Duration = .seconds(60),
        maxPendingPublishes: Int = 256,
        publishTimeout: Duration = .seconds(10),
        connectTimeout: Duration = .seconds(10),
        maxMessageSize: Int = 1 << 20,
        pingInterval: Duration? = .seconds(20),
        closeTimeout: Duration = .seconds(2),
        authPolicy: RelayAuthPolicy = .onDemand
    ) {
        self.backoff = backoff
        self.resubscribeMargin = resubscribeMargin
        self.maxPendingPublishes = max(1, maxPendingPublishes)
        self.publishTimeout = publishTimeout
        self.connectTimeout = connectTimeout
        self.maxMessageSize = maxMessageSize
        self.pingInterval = pingInterval
        self.closeTimeout = closeTimeout
        self.authPolicy = authPolicy
    }
}

extension Duration {
    /// Fractional seconds, for arithmetic that `Duration` does not offer (multiplying by powers).
    /// File-private so it cannot collide with a similar helper elsewhere in the module.
    fileprivate var seconds: Double {
        let parts = self.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
