/// Why a lease ended, as the final 6900 says it: `["reason", <word>]`. An open set of lower-case
/// words, so that a newer provider can add one without breaking older clients.
public struct ComputeEndReason: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    // Endings as agreed: the final status is `completed`.
    /// The workload exited successfully.
    public static let exited: ComputeEndReason = "exited"
    /// The requested duration ran out.
    public static let durationEnded: ComputeEndReason = "duration-ended"

    // Every other ending: the final status is `terminated`.
    /// The paid time and its grace ran out without the next payment.
    public static let unpaid: ComputeEndReason = "unpaid"
    /// The bid expired before the first payment.
    public static let bidExpired: ComputeEndReason = "bid-expired"
    /// The tenant deleted the request (kind 5).
    public static let cancelled: ComputeEndReason = "cancelled"
    /// The workload failed: it exited with an error, or could not be started.
    public static let failed: ComputeEndReason = "failed"
    /// The provider stopped the lease (maintenance, a changed policy, an abuse report).
    public static let providerStopped: ComputeEndReason = "provider-stopped"
    /// The request turned out to break the provider's policy after the bid.
    public static let policyViolation: ComputeEndReason = "policy-violation"

    /// Whether the lease ended as agreed, which makes its final status `completed`.
    public var isCompletion: Bool { self == .exited || self == .durationEnded }
}
