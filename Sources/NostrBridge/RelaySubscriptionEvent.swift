/// What a `RelayPool` subscription yields.
public enum RelaySubscriptionEvent: Sendable, Hashable {
    /// A verified, matching event, delivered once however many relays sent it.
    /// `relay` is the relay it arrived from first.
    case event(NostrEvent, relay: String)
    /// Every connected relay has sent its stored events (EOSE) or refused the subscription;
    /// what follows is live. Yielded at most once per subscription.
    case endOfStoredEvents
}
