import NostrBridge

/// A provider answer (6900 or 7000) to the tenant's request, already decrypted and parsed.
public enum LeaseAnswer: Sendable, Hashable {
    case result(ComputeResult, author: String, eventID: String)
    case feedback(ComputeFeedback, author: String, eventID: String)

    /// Parses `event` with the tenant's key; nil for anything that is not a readable answer.
    public static func read(_ event: NostrEvent, key: SecretKey) -> LeaseAnswer? {
        switch event.kind {
        case ComputeKinds.result:
            return (try? ComputeResult.parse(event, key: key)).map { .result($0, author: event.pubkey, eventID: event.id) }
        case ComputeKinds.jobFeedback:
            return (try? ComputeFeedback.parse(event, key: key)).map { .feedback($0, author: event.pubkey, eventID: event.id) }
        default:
            return nil
        }
    }
}

/// What the tenant is told as the lease goes on.
public enum LeaseProgress: Sendable, Hashable {
    case bid(provider: String, ComputeBid)
    /// An answer not from the chosen provider, or otherwise not acted on.
    case ignored(String)
    case paymentRefused(String)
    case paying(tranche: Int, msats: Int64)
    case paid(tranche: Int, msats: Int64, totalMsats: Int64)
    case paymentFailed(tranche: Int, String)
    case credited(paidUntil: Int64?)
    case provisioning(paidUntil: Int64?)
    case running([ComputeEndpoint], paidUntil: Int64)
    case renewalDue(paidUntil: Int64, msats: Int64)
    case providerMessage(String)
    case cancelling
    /// An escrowed tranche was served and released to the provider (draft §7.7).
    case escrowReleased(tranche: Int)
}

/// How a lease ended, as far as the tenant knows.
public enum LeaseOutcome: Sendable, Hashable {
    /// The provider's final 6900: `completed` or `terminated`, with its reason.
    case ended(ComputeResult.Status, reason: String, message: String?, paidMsats: Int64, refusedPayments: Int)
    /// The provider refused the request (7000 error before any bid).
    case refused(code: String?, message: String)
    /// No bid arrived in time.
    case noBid(waitedSeconds: Int)
    /// The tenant cancelled; `confirmed` when the provider's `terminated cancelled` arrived.
    case cancelled(confirmed: Bool, paidMsats: Int64)

    public var paidMsats: Int64 {
        switch self {
        case .ended(_, _, _, let paid, _), .cancelled(_, let paid): paid
        case .refused, .noBid: 0
        }
    }
}
