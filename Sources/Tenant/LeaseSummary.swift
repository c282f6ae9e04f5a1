import NostrBridge

/// The latest the relays know about one request (`ncn status`): the draft's §6 rule for the
/// state (newest 6900 by created_at, ties to the one furthest along), read only from the
/// provider that bid, and what it asked for and was credited.
public struct LeaseSummary: Sendable, Hashable {
    public var requestID: String
    public var provider: String?
    public var bid: ComputeBid?
    public var status: ComputeResult.Status?
    public var reason: String?
    public var message: String?
    public var paidUntil: Int64?
    public var endpoints: [ComputeEndpoint] = []
    /// Highest tranche asked for, and how many `processing` credits were seen.
    public var highestTrancheAsked: Int?
    public var credits = 0
    /// Errors (7000) from the provider, newest last.
    public var errors: [String] = []

    static let order: [ComputeResult.Status] = [.bid, .provisioning, .running, .renewalDue, .completed, .terminated]

    /// `events` are the answers (6900, 7000) referencing the request, in any order.
    public static func summarize(requestID: String, events: [NostrEvent], key: SecretKey) -> LeaseSummary {
        var summary = LeaseSummary(requestID: requestID)
        let sorted = events.sorted { $0.createdAt < $1.createdAt }
        // The bidder's answers only (§10): the provider is whoever bid first.
        let bidder = sorted.first { event in
            if case let .result(result, _, _)? = LeaseAnswer.read(event, key: key) { return result.status == .bid }
            return false
        }?.pubkey
        summary.provider = bidder
        var latest: (Int64, Int)?
        for event in sorted {
            guard let answer = LeaseAnswer.read(event, key: key) else { continue }
            switch answer {
            case let .result(result, author, _):
                guard author == bidder else { continue }
                if let bid = result.bid { summary.bid = bid }
                let rank = order.firstIndex(of: result.status) ?? 0
                if let current = latest, (event.createdAt, rank) < current { continue }
                latest = (event.createdAt, rank)
                summary.status = result.status
                summary.reason = result.reason?.rawValue
                summary.message = result.message
                if let paidUntil = result.paidUntil { summary.paidUntil = paidUntil }
                if result.status == .running { summary.endpoints = result.endpoints }
            case let .feedback(feedback, author, _):
                // Before any bid, a refusal from anyone addressed is still worth showing.
                guard bidder == nil || author == bidder else { continue }
                switch feedback.status {
                case .paymentRequired: summary.highestTrancheAsked = max(summary.highestTrancheAsked ?? 0, feedback.tranche ?? 0)
                case .processing: summary.credits += 1
                case .error: summary.errors.append(feedback.message ?? feedback.errorCode?.rawValue ?? "error")
                default: break
                }
            }
        }
        return summary
    }
}
