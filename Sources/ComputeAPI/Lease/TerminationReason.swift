/// Why a lease ended. An open set of CamelCase words (like condition reasons), so a newer
/// operator can add one without breaking an older reader.
public struct TerminationReason: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    /// The paid period and its grace ran out without a new payment.
    public static let paymentLapsed: TerminationReason = "PaymentLapsed"
    /// No first payment arrived before spec.bidExpiresAt.
    public static let bidExpired: TerminationReason = "BidExpired"
    /// spec.durationSeconds elapsed.
    public static let durationElapsed: TerminationReason = "DurationElapsed"
    /// The tenant asked to stop.
    public static let tenantCancelled: TerminationReason = "TenantCancelled"
    /// The provider stopped it (by deleting the lease or changing policy).
    public static let providerTerminated: TerminationReason = "ProviderTerminated"
    /// The request breaks the provider's workload policy.
    public static let policyViolation: TerminationReason = "PolicyViolation"
    /// The container exited (see phase for success or failure).
    public static let workloadExited: TerminationReason = "WorkloadExited"
    /// The container never started: its image could not be pulled, or it could not be created.
    public static let workloadNotStarted: TerminationReason = "WorkloadNotStarted"
}
