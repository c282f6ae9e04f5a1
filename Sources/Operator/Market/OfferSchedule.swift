/// Why the offer is due now.
public enum OfferPublishReason: String, Sendable, Equatable {
    /// Nothing was published yet since the operator started.
    case initial
    /// Capacity, prices or policy changed (after the debounce, or the maximum delay).
    case changed
    /// Unchanged, but the last one is `refresh` old: renew its expiration.
    case refresh
}

/// What to do about the offer at one moment.
public enum OfferScheduleDecision<Instant: InstantProtocol>: Sendable, Equatable {
    case publish(OfferPublishReason)
    /// Nothing to do before `until` (nil: until the content changes).
    case wait(until: Instant?)
}

/// Decides when the provider's offer goes out: at once at start, after a content change once it
/// has settled (`debounce`, but never later than `maxDelay` after the first unpublished change),
/// every `refresh` so its expiration never lapses, and never for an unchanged content otherwise.
///
/// A pure state machine: the caller reports what the content is now (`observe`), asks what to
/// do (`decision`), and reports the outcome (`published`, `failed`). Time is passed in, so
/// tests run it on invented instants and production on a monotonic clock, which a wall-clock
/// jump cannot fool. The content is whatever the offer is compared by: the offer without its
/// expiration, which moves with every publish.
public struct OfferSchedule<Content: Equatable & Sendable, Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public let timing: OfferTiming

    /// What would be published now; nil when there is nothing to offer (no provider, the
    /// inventory not synced, a configuration with no usable rail).
    public private(set) var current: Content?
    /// What the relays have from us, and when it went out.
    public private(set) var published: Content?
    public private(set) var publishedAt: Instant?
    /// When `current` last changed.
    private var changedAt: Instant?
    /// The first change the relays have not seen yet; nil while `current` is what they have.
    private var pendingSince: Instant?
    /// Set by a failure: no attempt before this.
    private var retryAt: Instant?

    public init(timing: OfferTiming = OfferTiming()) {
        self.timing = timing
    }

    /// Records the content as of `now`. Observing the same content again changes nothing, so
    /// callers may observe on every wake-up.
    public mutating func observe(_ content: Content?, at now: Instant) {
        guard content != current else { return }
        current = content
        changedAt = now
        if content == nil || (publishedAt != nil && content == published) {
            // Back to what the relays already have (or nothing to say): no change is pending.
            pendingSince = nil
        } else if pendingSince == nil {
            pendingSince = now
        }
    }

    /// When the next publish is due; nil when nothing is to be published until the content changes.
    public var nextPublish: Instant? {
        guard current != nil else { return nil }
        var due: Instant?
        if let publishedAt { due = publishedAt.advanced(by: timing.refresh) }
        if let pendingSince {
            // The start is not debounced: a provider with no offer out should get one at once.
            let changeDue = publishedAt == nil ? pendingSince
                : min((changedAt ?? pendingSince).advanced(by: timing.debounce), pendingSince.advanced(by: timing.maxDelay))
            due = due.map { min($0, changeDue) } ?? changeDue
        }
        if let due, let retryAt { return max(due, retryAt) }
        return due
    }

    public func decision(at now: Instant) -> OfferScheduleDecision<Instant> {
        guard let due = nextPublish else { return .wait(until: nil) }
        guard now >= due else { return .wait(until: due) }
        if publishedAt == nil { return .publish(.initial) }
        return .publish(pendingSince == nil ? .refresh : .changed)
    }

    /// `content` reached the relays at `now`.
    public mutating func published(_ content: Content, at now: Instant) {
        published = content
        publishedAt = now
        retryAt = nil
        // Content that moved on meanwhile is still to be published; its clock starts now.
        pendingSince = current == nil || current == content ? nil : now
    }

    /// The publish attempt at `now` reached no relay: try again after `retry`, whatever changes meanwhile.
    public mutating func failed(at now: Instant) {
        retryAt = now.advanced(by: timing.retry)
    }
}
