import ComputeAPI
import Foundation
import NostrBridge

/// The checks a request passes before the operator does any work for it beyond the signature
/// check, and the limits on answering strangers at all. IO-free: the bridge feeds it the event
/// and the unpaid bids it knows of, and does what the verdict says.
struct IntakeGate: Sendable {
    enum Verdict: Equatable, Sendable {
        case admit
        /// Not answered: too old, too little work, too many requests from this key.
        case ignore(String)
        /// Answered with an error (if the error budget allows).
        case refuse(String, ComputeErrorCode)
        /// Admitted in place of the weakest unpaid bid, which is withdrawn.
        case admitReplacing(requestID: String)
    }

    /// An unpaid bid as the gate ranks it: by proof of work, then by age.
    struct UnpaidBid: Equatable, Sendable {
        var requestID: String
        var tenant: String
        var proofOfWork: Int
        var createdAt: Date
    }

    /// Tenants remembered for rate limiting (bounded memory). Forgetting a key costs nothing:
    /// fresh keys are free, so a forgotten one is no better off than a new one.
    static let trackedTenants = 10_000

    private var buckets: [String: TokenBucket] = [:]
    /// Bids made by this process, until the lease store shows them (its watch lags the create).
    private var recent: [String: UnpaidBid] = [:]
    /// Bids withdrawn for stronger requests, with when: their leases stay unpaid and unmarked in
    /// the store until the lease controller ends them, and must not count (or be withdrawn
    /// again, letting a new bid past the cap each time) meanwhile.
    private var withdrawn: [String: Date] = [:]
    private var errorBudget: TokenBucket?

    /// Before the request is read: cheap checks only (no decryption, no parsing).
    mutating func screen(_ event: NostrEvent, settings: IntakeSettings, now: Date) -> Verdict {
        let created = Date(timeIntervalSince1970: TimeInterval(event.createdAt))
        if created < now.addingTimeInterval(-TimeInterval(settings.maxRequestAgeSeconds)) {
            return .ignore("older than \(settings.maxRequestAgeSeconds) s")
        }
        if created > now.addingTimeInterval(60) { return .ignore("dated in the future") }
        if !event.satisfiesProofOfWork(minimum: settings.minProofOfWork) {
            return .ignore("less than \(settings.minProofOfWork) bits of proof of work")
        }
        if !takeRequestToken(event.pubkey, perMinute: settings.requestsPerMinutePerTenant, now: now) {
            return .ignore("more than \(settings.requestsPerMinutePerTenant) requests a minute from this key")
        }
        return .admit
    }

    /// Before a bid: whether one more unpaid bid fits, from this tenant and from everyone.
    func admitBid(tenant: String, proofOfWork work: Int, unpaid: [UnpaidBid], settings: IntakeSettings) -> Verdict {
        let own = unpaid.lazy.filter { $0.tenant == tenant }.count
        if own >= settings.maxUnpaidBidsPerTenant {
            return .refuse("you already hold \(own) unpaid bids here (at most \(settings.maxUnpaidBidsPerTenant)); "
                + "pay or cancel one, or wait until they expire", .busy)
        }
        guard unpaid.count >= settings.maxUnpaidBids else { return .admit }
        // Full: more work than the weakest unpaid bid takes its place; equal work does not, so
        // a flood of cheap requests cannot push out a bid a tenant is about to pay.
        let weakest = unpaid.min { ($0.proofOfWork, $0.createdAt) < ($1.proofOfWork, $1.createdAt) }
        guard let weakest, work > weakest.proofOfWork else {
            return .refuse("every unpaid bid slot is taken; try again in a few minutes, or send the request with at least "
                + "\((weakest?.proofOfWork ?? 0) + 1) bits of NIP-13 proof of work", .busy)
        }
        return .admitReplacing(requestID: weakest.requestID)
    }

    /// `admitBid` and, when admitted, the slot taken at once: intake handles requests
    /// concurrently, and a decision made on a count another request changes before this one is
    /// recorded would let both through. A bid that then fails (no capacity, the lease not
    /// created) gives its slot back with `releaseBid`.
    mutating func admitAndHold(_ bid: UnpaidBid, stored: [UnpaidBid], known: Set<String>, settings: IntakeSettings, now: Date,
                               bidLifetime: TimeInterval) -> Verdict {
        let unpaid = unpaidBids(stored: stored, known: known, now: now, bidLifetime: bidLifetime)
        let verdict = admitBid(tenant: bid.tenant, proofOfWork: bid.proofOfWork, unpaid: unpaid, settings: settings)
        switch verdict {
        case .admit:
            recordBid(bid)
        case let .admitReplacing(weaker):
            withdrawBid(weaker, now: now)
            recordBid(bid)
        case .ignore, .refuse:
            break
        }
        return verdict
    }

    /// Every unpaid bid: those the store shows (`stored`; `known` is every request id it shows,
    /// paid or not) and those made here that it does not show yet, less the withdrawn.
    mutating func unpaidBids(stored: [UnpaidBid], known: Set<String>, now: Date, bidLifetime: TimeInterval) -> [UnpaidBid] {
        var bids: [String: UnpaidBid] = [:]
        for bid in stored { bids[bid.requestID] = bid }
        for bid in recentBids(excluding: known, now: now, bidLifetime: bidLifetime) { bids[bid.requestID] = bid }
        return bids.values.filter { !isWithdrawn($0.requestID, now: now, bidLifetime: bidLifetime) }
    }

    var trackedCount: Int { buckets.count }

    mutating func recordBid(_ bid: UnpaidBid) { recent[bid.requestID] = bid }

    /// A held bid that was not made after all.
    mutating func releaseBid(_ requestID: String) { recent[requestID] = nil }

    /// Whether a bid for `requestID` is held here (made, or being made, and not in the store yet).
    func holdsBid(_ requestID: String) -> Bool { recent[requestID] != nil }

    /// The bid no longer holds a slot: it was withdrawn for a request with more work.
    mutating func withdrawBid(_ requestID: String, now: Date) {
        recent[requestID] = nil
        withdrawn[requestID] = now
    }

    /// Whether the bid was withdrawn within the last `bidLifetime` (after that its lease has ended).
    mutating func isWithdrawn(_ requestID: String, now: Date, bidLifetime: TimeInterval) -> Bool {
        if withdrawn.count > 1_000 { withdrawn = withdrawn.filter { $0.value > now.addingTimeInterval(-bidLifetime) } }
        guard let at = withdrawn[requestID] else { return false }
        return at > now.addingTimeInterval(-bidLifetime)
    }

    /// Recorded bids the store does not show yet; those it shows, and those whose bid has
    /// expired, are dropped. Under load the store's watch can lag creates by many seconds, so a
    /// recorded bid counts until its expiry rather than for a fixed moment: a bid paid and
    /// deleted before the store showed it counts a little too long, never too short.
    mutating func recentBids(excluding known: Set<String>, now: Date, bidLifetime: TimeInterval) -> [UnpaidBid] {
        recent = recent.filter { !known.contains($0.key) && $0.value.createdAt > now.addingTimeInterval(-bidLifetime) }
        return Array(recent.values)
    }

    /// Whether an error answer may go out now; refusals beyond the budget go unanswered.
    mutating func mayRefuse(settings: IntakeSettings, now: Date) -> Bool {
        let rate = Double(settings.errorRepliesPerSecond)
        guard rate > 0 else { return false }
        var bucket = errorBudget ?? TokenBucket(capacity: rate * 2, refillPerSecond: rate, now: now)
        bucket.reconfigure(capacity: rate * 2, refillPerSecond: rate)
        let allowed = bucket.take(now: now)
        errorBudget = bucket
        return allowed
    }

    private mutating func takeRequestToken(_ tenant: String, perMinute: Int, now: Date) -> Bool {
        let capacity = Double(perMinute)
        var bucket = buckets[tenant] ?? TokenBucket(capacity: capacity, refillPerSecond: capacity / 60, now: now)
        bucket.reconfigure(capacity: capacity, refillPerSecond: capacity / 60)
        let allowed = bucket.take(now: now)
        buckets[tenant] = bucket
        if buckets.count > Self.trackedTenants {
            // Full buckets are as good as new ones: forget those first, then anyone.
            buckets = buckets.filter { !$0.value.isFull(now: now) }
            while buckets.count > Self.trackedTenants / 2, let any = buckets.keys.first(where: { $0 != tenant }) { buckets[any] = nil }
        }
        return allowed
    }
}

/// A token bucket: `capacity` at once, refilled continuously.
struct TokenBucket: Equatable, Sendable {
    private(set) var tokens: Double
    private(set) var capacity: Double
    private(set) var refillPerSecond: Double
    private var updated: Date

    init(capacity: Double, refillPerSecond: Double, now: Date) {
        self.capacity = capacity
        self.refillPerSecond = refillPerSecond
        tokens = capacity
        updated = now
    }

    mutating func reconfigure(capacity: Double, refillPerSecond: Double) {
        self.capacity = capacity
        self.refillPerSecond = refillPerSecond
        tokens = min(tokens, capacity)
    }

    func isFull(now: Date) -> Bool {
        tokens + max(0, now.timeIntervalSince(updated)) * refillPerSecond >= capacity
    }

    mutating func take(now: Date) -> Bool {
        let elapsed = max(0, now.timeIntervalSince(updated))
        tokens = min(capacity, tokens + elapsed * refillPerSecond)
        updated = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
