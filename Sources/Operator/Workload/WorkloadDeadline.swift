import ComputeAPI
import Foundation

/// How long the cluster lets a lease's workload run on its own, with no operator to end it.
///
/// The workload is a Job, whose `activeDeadlineSeconds` the Job controller (kube-controller-manager)
/// enforces and the operator may raise after each payment, unlike a Pod's, which may only decrease.
/// So one paid tranche buys one tranche (plus grace and the margin) even while the operator is down,
/// not the whole duration.
public enum WorkloadDeadline {
    /// How long after paid-until plus grace the cluster stops the workload by itself. The operator,
    /// when it runs, ends an unpaid lease at paid-until plus grace, after a last look at the wallet
    /// that may wait up to `LastLookPolicy.patience` (30 s) for a wallet that does not answer; a
    /// payment it finds is credited and the deadline raised within a second or two. The cluster's
    /// deadline is only the backstop for an operator that is down, so it must never cut that look
    /// or that payment short: 60 s leaves 30 s to spare, and bounds what an unpaid workload gets
    /// with the operator gone to a minute past its grace.
    public static let margin: TimeInterval = 60

    /// The instant after which the workload must not run: paid-until + grace + `margin`, never past
    /// the end of the rented duration (counted from the first payment). Nil before the first payment.
    public static func end(of lease: ComputeLease) -> Date? {
        let timeline = lease.timeline
        guard let graceEnds = timeline.graceEndsAt else { return nil }
        let unpaid = graceEnds.addingTimeInterval(margin)
        guard let durationEnd = timeline.durationEndsAt else { return unpaid }
        return min(unpaid, durationEnd)
    }

    /// True when the deadline is the end of the duration rather than the end of what was paid for.
    static func isDurationBound(_ lease: ComputeLease) -> Bool {
        guard let durationEnd = lease.timeline.durationEndsAt, let end = end(of: lease) else { return false }
        return durationEnd <= end
    }

    /// The Job's `activeDeadlineSeconds`, which counts from the Job's `status.startTime`: whole
    /// seconds to `end(of:)`, rounded up so the cluster never stops the workload early, and at least
    /// 1 (the end has passed: stop now). `jobStart` nil counts from the first payment, before any
    /// Job can start, which errs on the tenant's side; a lease not paid yet gets its whole duration.
    public static func activeDeadlineSeconds(for lease: ComputeLease, jobStart: Date?) -> Int64 {
        guard let end = end(of: lease), let start = jobStart ?? lease.timeline.startedAt else {
            return Int64(lease.spec.durationSeconds)
        }
        return max(1, Int64(end.timeIntervalSince(start).rounded(.up)))
    }
}
