/// Who competes for which Lease, and the timings that keep two leaders apart (client-go's).
///
/// A leader gives up when it has not renewed for `renewDeadline`; a follower takes over only when
/// the Lease has not changed for `leaseDuration` as *it* measures time. With
/// `retryPeriod < renewDeadline < leaseDuration`, the old leader has stopped before anyone else
/// starts, by at least `leaseDuration - renewDeadline`, whatever the replicas' wall clocks say.
public struct LeaderElectionConfiguration: Sendable, Hashable {
    /// This replica's name in `holderIdentity`; unique per replica (the pod name) and stable
    /// across restarts of the same replica, so that a restart resumes its own term.
    public var identity: String
    public var leaseDuration: Duration
    public var renewDeadline: Duration
    public var retryPeriod: Duration
    public var namespace: String
    public var leaseName: String
    /// Clear `holderIdentity` when `run` ends, so a successor takes over at once instead of after
    /// `leaseDuration` (client-go's ReleaseOnCancel). Off only to simulate a crash.
    public var releaseOnCancel: Bool

    public static let defaultNamespace = "ncn-system"
    public static let defaultLeaseName = "ncn-operator"

    public init(
        identity: String,
        leaseDuration: Duration = .seconds(15),
        renewDeadline: Duration = .seconds(10),
        retryPeriod: Duration = .seconds(2),
        namespace: String = Self.defaultNamespace,
        leaseName: String = Self.defaultLeaseName,
        releaseOnCancel: Bool = true
    ) throws(LeaderElectionError) {
        guard !identity.isEmpty else {
            throw LeaderElectionError(.invalidConfiguration, "the identity must not be empty: it is how a holder recognises its own lease")
        }
        guard retryPeriod > .zero, renewDeadline > retryPeriod else {
            throw LeaderElectionError(.invalidConfiguration,
                                      "renewDeadline (\(renewDeadline)) must exceed retryPeriod (\(retryPeriod)) > 0, or a leader gets no second try")
        }
        guard leaseDuration > renewDeadline else {
            throw LeaderElectionError(.invalidConfiguration,
                                      "leaseDuration (\(leaseDuration)) must exceed renewDeadline (\(renewDeadline)), or a successor may start before the leader stops")
        }
        guard leaseDuration >= .seconds(1) else {
            throw LeaderElectionError(.invalidConfiguration, "leaseDuration must be at least 1 s: the Lease records whole seconds")
        }
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
        self.namespace = namespace
        self.leaseName = leaseName
        self.releaseOnCancel = releaseOnCancel
    }

    /// `leaseDuration` as the Lease records it, rounded up so that others never wait less than we promise.
    var leaseDurationSeconds: Int {
        let (seconds, attoseconds) = leaseDuration.components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }
}
