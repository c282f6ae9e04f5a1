/// What an elector tells its observer: for Kubernetes Events, logs and metrics.
public enum LeaderElectionEvent: Sendable, Hashable {
    /// We hold the Lease; `whileLeading` starts now.
    case startedLeading
    /// `whileLeading` has been cancelled, for this reason.
    case stoppedLeading(LeadershipLoss)
    /// The holder of the Lease, as we last read or wrote it, changed; nil when no one holds it.
    case leaderChanged(String?)
}

/// Why a leader stopped leading.
public enum LeadershipLoss: Sendable, Hashable {
    /// No renewal succeeded within `renewDeadline`: we stop before anyone may take over.
    case renewDeadlineExceeded
    /// Another replica holds the Lease now.
    case takenOver(by: String)
    /// Someone deleted the Lease or cleared its holder.
    case leaseVacated
    /// `run` is ending: it was cancelled, or `whileLeading` returned or threw.
    case shutdown
}
