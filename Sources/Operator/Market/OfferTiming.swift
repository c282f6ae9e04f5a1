/// When the provider's offer (kind 31900) goes out again, and how long each one stays valid.
public struct OfferTiming: Sendable, Equatable {
    /// A change is published once it has been quiet this long, so a burst (a re-list, a job of
    /// many pods) publishes once.
    public var debounce: Duration
    /// A change is never held back longer than this, however busy the cluster.
    public var maxDelay: Duration
    /// An unchanged offer is republished this often, to renew its expiration.
    public var refresh: Duration
    /// Each offer's NIP-40 expiration is this far ahead, so a vanished provider's offer disappears.
    public var ttl: Duration
    /// After a failed publish, the next attempt waits this long.
    public var retry: Duration

    /// `refresh` is capped at half of `ttl` and `maxDelay` raised to `debounce`: an offer must be
    /// renewed before it lapses, and a change must get its quiet period.
    public init(
        debounce: Duration = .seconds(5), maxDelay: Duration = .seconds(30), refresh: Duration = .seconds(30 * 60),
        ttl: Duration = .seconds(2 * 60 * 60), retry: Duration = .seconds(10)
    ) {
        self.debounce = max(debounce, .zero)
        self.maxDelay = max(maxDelay, self.debounce)
        self.ttl = max(ttl, .seconds(2))
        self.refresh = min(max(refresh, .seconds(1)), self.ttl / 2)
        self.retry = max(retry, .milliseconds(100))
    }
}
