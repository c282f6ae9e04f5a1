/// Where a lease is in its life. Terminal phases (Succeeded, Failed, Expired, Terminated)
/// are kept while the finalizer publishes the final record, then the lease is deleted.
public enum LeasePhase: String, Codable, Sendable, CaseIterable {
    /// Bid accepted; waiting for the first tranche.
    case awaitingPayment = "AwaitingPayment"
    /// Paid; namespace, pod and service are being created or scheduled.
    case provisioning = "Provisioning"
    /// The workload runs and is paid up (or within grace).
    case running = "Running"
    /// The workload exited with success.
    case succeeded = "Succeeded"
    /// The workload exited with an error or could not be started.
    case failed = "Failed"
    /// Payments stopped (or never came) and the grace period ran out.
    case expired = "Expired"
    /// Stopped on purpose: the duration ended, the tenant cancelled or the provider stopped it.
    case terminated = "Terminated"

    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .expired, .terminated: return true
        case .awaitingPayment, .provisioning, .running: return false
        }
    }
}
