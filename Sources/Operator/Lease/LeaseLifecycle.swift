import ComputeAPI
import Foundation

/// The top-level decision for a lease, from its current state alone (level-triggered):
/// whatever event woke the reconciler, the same state gives the same decision.
enum LeaseDecision: Equatable {
    /// Being deleted: tear down and publish the final record, then release the finalizer.
    case finalize
    /// Not ours yet: add the finalizer first, so teardown is guaranteed before anything exists.
    case addFinalizer
    /// Accepted bid, not paid yet; look again at the bid's expiry.
    case awaitPayment(until: Date?)
    /// Paid and within its duration: converge the workload.
    case run
    /// Record the terminal phase and reason (and the workload's exit code, if it exited), then delete the lease.
    case end(LeasePhase, TerminationReason, String, exitCode: Int32? = nil)
    /// Already terminal in status: delete it (the finalizer does the rest).
    case delete
}

enum LeaseLifecycle {
    static let finalizer = "ncn.dev/teardown"
    /// Set once the final record went out, so a teardown that waits for its namespace does not repeat it.
    static let finalRecordPublished = "ncn.dev/final-record-published"

    static func decide(_ lease: ComputeLease, workload: WorkloadObservation, now: Date) -> LeaseDecision {
        if lease.metadata.deletionTimestamp != nil { return .finalize }
        if !(lease.metadata.finalizers ?? []).contains(finalizer) { return .addFinalizer }
        let status = lease.status ?? ComputeLeaseStatus()
        if let phase = status.phase, phase.isTerminal { return .delete }
        if let cancel = status.conditions?[.cancelRequested], cancel.status == .true {
            return .end(.terminated, .tenantCancelled, cancel.message.isEmpty ? "The tenant cancelled the request." : cancel.message)
        }
        if let scan = status.imageScan, scan.verdict == .denied {
            // The final 6900 carries this text: the draft (§7.6) has a provider without refunds say so.
            return .end(.terminated, .policyViolation, "The provider's image scanner refused \(scan.image): \(scan.reason ?? "no reason given"). "
                + "The paid time is not refunded (this provider's offer says refunds none).")
        }

        let timeline = lease.timeline
        guard let paidUntil = timeline.paidUntil else {
            if let expiry = timeline.bidExpiresAt, now >= expiry {
                return .end(.expired, .bidExpired, "The bid expired before the first payment arrived.")
            }
            return .awaitPayment(until: timeline.bidExpiresAt)
        }
        // Payment is the primary defence: a lapsed lease ends even if billing has not said so yet.
        if let graceEnds = timeline.graceEndsAt, now >= graceEnds {
            return .end(.expired, .paymentLapsed,
                        "Payments stopped: paid until \(Timestamp(paidUntil)), and the \(lease.spec.graceSeconds) s grace period is over.")
        }
        if let durationEnds = timeline.durationEndsAt, now >= durationEnds {
            return .end(.terminated, .durationElapsed, "The requested duration of \(lease.spec.durationSeconds) s is over.")
        }
        if workload.jobFailure == "DeadlineExceeded" {
            // The Job controller stopped the workload at WorkloadDeadline.end: the operator was down,
            // or its clock is behind the cluster's. Whichever bound the deadline was is the reason.
            if WorkloadDeadline.isDurationBound(lease) {
                return .end(.terminated, .durationElapsed, "The requested duration of \(lease.spec.durationSeconds) s is over.")
            }
            return .end(.expired, .paymentLapsed,
                        "Payments stopped: paid until \(Timestamp(paidUntil)), and the \(lease.spec.graceSeconds) s grace period is over; "
                            + "the cluster stopped the workload.")
        }
        let code = workload.exitCode
        switch workload.podPhase {
        case nil where workload.jobComplete:
            return .end(.succeeded, .workloadExited, "The workload exited with code 0.", exitCode: 0)
        case nil where workload.jobFailure != nil:
            return .end(.failed, .workloadExited, "The workload failed (\(workload.jobFailure ?? "Failed")).")
        case "Succeeded":
            return .end(.succeeded, .workloadExited, "The workload exited with code \(code ?? 0).", exitCode: code ?? 0)
        case "Failed" where workload.podReason == "DeadlineExceeded":
            return .end(.terminated, .durationElapsed, "The requested duration of \(lease.spec.durationSeconds) s is over.")
        case "Failed":
            let how = code.map { "exited with code \($0)" } ?? "failed"
            return .end(.failed, .workloadExited, "The workload \(how)\(workload.podReason.map { " (\($0))" } ?? "").", exitCode: code)
        default:
            if let failure = workload.startFailure(now: now) { return .end(.failed, .workloadNotStarted, failure) }
            return .run
        }
    }

    /// When the reconciler must look again even if nothing changes: the next deadline.
    static func nextDeadline(_ lease: ComputeLease, workload: WorkloadObservation = WorkloadObservation(), now: Date) -> Date? {
        var deadlines: [Date] = []
        if let startFailure = workload.startFailureDeadline { deadlines.append(startFailure) }
        let timeline = lease.timeline
        deadlines += [timeline.graceEndsAt, timeline.durationEndsAt, timeline.bidExpiresAt].compactMap { $0 }
        return deadlines.filter { $0 > now }.min()
    }
}
