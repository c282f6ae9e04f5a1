import ComputeAPI
import Foundation
import KubeClient
@testable import Operator
import XCTest

/// The Job's `activeDeadlineSeconds`: paid-until + grace + margin, capped at the duration, counted
/// from the Job's start, moved by a merge patch when a payment moves paid-until, and re-armed
/// when the Job controller would not look at it otherwise.
final class WorkloadDeadlineTests: XCTestCase {
    typealias F = WorkloadFixtures
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// fixtureLease: 3600 s duration, 60 s grace; first paid at `since`.
    private func paid(_ lease: ComputeLease = fixtureLease(), since: Date, until: Date) -> ComputeLease {
        paidFixture(lease, since: since, until: until)
    }

    func testTheMarginOutlastsTheLastLookAtTheWallet() {
        XCTAssertEqual(WorkloadDeadline.margin, 60)
        XCTAssertGreaterThan(WorkloadDeadline.margin, LastLookPolicy.patience + 10)
    }

    func testTheDeadlineIsPaidUntilPlusGracePlusMarginFromTheJobsStart() {
        let lease = paid(since: t0, until: t0.addingTimeInterval(600))
        XCTAssertEqual(WorkloadDeadline.end(of: lease), t0.addingTimeInterval(600 + 60 + 60))
        XCTAssertFalse(WorkloadDeadline.isDurationBound(lease))
        XCTAssertEqual(WorkloadDeadline.activeDeadlineSeconds(for: lease, jobStart: t0.addingTimeInterval(5)), 715)
        // Rounded up: the cluster never stops the workload before the bound.
        XCTAssertEqual(WorkloadDeadline.activeDeadlineSeconds(for: lease, jobStart: t0.addingTimeInterval(5.3)), 715)
        XCTAssertEqual(WorkloadDeadline.activeDeadlineSeconds(for: lease, jobStart: t0.addingTimeInterval(5.9)), 715)
        // No Job start known: counted from the first payment, which is earlier, so later for the tenant.
        XCTAssertEqual(WorkloadDeadline.activeDeadlineSeconds(for: lease, jobStart: nil), 720)
    }

    func testTheDeadlineNeverPassesTheEndOfTheDuration() {
        let lease = paid(since: t0, until: t0.addingTimeInterval(3590))
        XCTAssertEqual(WorkloadDeadline.end(of: lease), t0.addingTimeInterval(3600))
        XCTAssertTrue(WorkloadDeadline.isDurationBound(lease))
        XCTAssertEqual(WorkloadDeadline.activeDeadlineSeconds(for: lease, jobStart: t0.addingTimeInterval(2)), 3598)
        let overpaid = paid(since: t0, until: t0.addingTimeInterval(7200))
        XCTAssertEqual(WorkloadDeadline.activeDeadlineSeconds(for: overpaid, jobStart: t0.addingTimeInterval(2)), 3598)
    }

    func testAnEndThatHasPassedStopsTheJobAtOnce() {
        let lease = paid(since: t0, until: t0.addingTimeInterval(600))
        XCTAssertEqual(WorkloadDeadline.activeDeadlineSeconds(for: lease, jobStart: t0.addingTimeInterval(720)), 1)
        XCTAssertEqual(WorkloadDeadline.activeDeadlineSeconds(for: lease, jobStart: t0.addingTimeInterval(5000)), 1)
    }

    func testAnUnpaidLeaseGetsItsWholeDuration() {
        XCTAssertNil(WorkloadDeadline.end(of: fixtureLease()))
        XCTAssertEqual(WorkloadDeadline.activeDeadlineSeconds(for: fixtureLease(), jobStart: t0), 3600)
    }

    /// A payment moves paid-until: only the Job's deadline changes; the Pod template (immutable in
    /// a Job) stays exactly the same.
    func testAPaymentMovesOnlyTheDeadline() throws {
        let start = t0.addingTimeInterval(3)
        let before = try F.build(paid(F.cpuLease, since: t0, until: t0.addingTimeInterval(600)), jobStart: start)
        let after = try F.build(paid(F.cpuLease, since: t0, until: t0.addingTimeInterval(1200)), jobStart: start)
        let grace = F.cpuLease.spec.graceSeconds
        XCTAssertEqual(before.job.spec?.activeDeadlineSeconds, Int64(600 + grace + 60 - 3))
        XCTAssertEqual(after.job.spec?.activeDeadlineSeconds, Int64(1200 + grace + 60 - 3))
        XCTAssertEqual(before.job.metadata.annotations, [JobBuilder.armedDeadline: String(600 + grace + 60 - 3)],
                       "the first sync arms the deadline the Job is created with")
        XCTAssertEqual(before.job.spec?.template, after.job.spec?.template)
        var moved = before
        moved.job.spec?.activeDeadlineSeconds = after.job.spec?.activeDeadlineSeconds
        moved.job.metadata.annotations = after.job.metadata.annotations
        XCTAssertEqual(moved, after, "nothing else changes")
    }

    /// A started Job, `deadline` from `t0`, whose controller holds a wake-up for `armed`.
    private func job(deadline: Int64, armed: Int64?) -> Job {
        var job = Job(metadata: ObjectMeta(name: "workload"), spec: JobSpec(template: PodTemplateSpec(metadata: nil, spec: nil)))
        job.spec?.activeDeadlineSeconds = deadline
        job.metadata.annotations = armed.map { [JobBuilder.armedDeadline: String($0)] }
        job.status = JobStatus(startTime: Timestamp(t0).rfc3339)
        return job
    }

    /// The refresh patch, as the apiserver receives it.
    func testTheRefreshPatchAsJSON() throws {
        let patch = JobBuilder.DeadlinePatch(activeDeadlineSeconds: 1300, armed: 720)
        XCTAssertEqual(try F.json(patch), #"{"metadata":{"annotations":{"ncn.dev/armed-deadline-seconds":"720"}},"spec":{"activeDeadlineSeconds":1300}}"#)
    }

    /// A payment before the armed wake-up: the deadline is raised at once, but the Job controller
    /// still holds only the earlier wake-up, so the operator looks again just after it.
    func testARaiseBeforeTheArmedWakeUpIsReArmedAfterIt() {
        let armedJob = job(deadline: 720, armed: 720)
        let (raise, lookAgain) = JobBuilder.refresh(armedJob, wanted: 1320, now: t0.addingTimeInterval(500))
        XCTAssertEqual(raise, JobBuilder.DeadlinePatch(activeDeadlineSeconds: 1320, armed: 720))
        XCTAssertEqual(lookAgain, t0.addingTimeInterval(721))
        // Raised, not yet re-armed: nothing to write, look again after the wake-up.
        let raised = job(deadline: 1320, armed: 720)
        XCTAssertEqual(JobBuilder.refresh(raised, wanted: 1320, now: t0.addingTimeInterval(600)).patch, nil)
        XCTAssertEqual(JobBuilder.refresh(raised, wanted: 1320, now: t0.addingTimeInterval(600)).lookAgain, t0.addingTimeInterval(721))
        // After the wake-up: a change of the deadline arms it again (one second more), ...
        let (rearm, none) = JobBuilder.refresh(raised, wanted: 1320, now: t0.addingTimeInterval(721))
        XCTAssertEqual(rearm, JobBuilder.DeadlinePatch(activeDeadlineSeconds: 1321, armed: 1321))
        XCTAssertNil(none)
        // ... and back to the deadline wanted, whose earlier wake-up replaces the later one.
        let (back, _) = JobBuilder.refresh(job(deadline: 1321, armed: 1321), wanted: 1320, now: t0.addingTimeInterval(722))
        XCTAssertEqual(back, JobBuilder.DeadlinePatch(activeDeadlineSeconds: 1320, armed: 1320))
        let settled = JobBuilder.refresh(job(deadline: 1320, armed: 1320), wanted: 1320, now: t0.addingTimeInterval(723))
        XCTAssertNil(settled.patch)
        XCTAssertNil(settled.lookAgain)
    }

    /// A raise after the armed wake-up passed arms at once; a lower deadline always does.
    func testChangesThatArmAtOnce() {
        XCTAssertEqual(JobBuilder.refresh(job(deadline: 720, armed: 720), wanted: 1320, now: t0.addingTimeInterval(800)).patch,
                       JobBuilder.DeadlinePatch(activeDeadlineSeconds: 1320, armed: 1320))
        let lowered = JobBuilder.refresh(job(deadline: 1320, armed: 1320), wanted: 700, now: t0.addingTimeInterval(500))
        XCTAssertEqual(lowered.patch, JobBuilder.DeadlinePatch(activeDeadlineSeconds: 700, armed: 700))
        XCTAssertNil(lowered.lookAgain)
        // A Job made before the annotation: its deadline counts as armed.
        XCTAssertNil(JobBuilder.refresh(job(deadline: 720, armed: nil), wanted: 720, now: t0).patch)
    }

    /// Before the Job controller started the Job, nothing is written: its first sync arms the
    /// deadline the Job was created with, and the start it sets wakes the reconciler.
    func testAJobNotStartedYetIsLeftAlone() {
        var notStarted = job(deadline: 720, armed: 720)
        notStarted.status = nil
        XCTAssertNil(JobBuilder.refresh(notStarted, wanted: 1320, now: t0).patch)
    }

    /// What the deadline counts from: the Job's startTime, else its creation, else now.
    func testTheJobsStartIsItsStartTime() {
        var job = Job(metadata: ObjectMeta(name: "workload"))
        XCTAssertEqual(LeaseReconciler.jobStart(nil, now: t0), t0)
        XCTAssertEqual(LeaseReconciler.jobStart(job, now: t0), t0)
        job.metadata.creationTimestamp = Timestamp(t0.addingTimeInterval(-10)).rfc3339
        XCTAssertEqual(LeaseReconciler.jobStart(job, now: t0), t0.addingTimeInterval(-10))
        job.status = JobStatus(startTime: Timestamp(t0.addingTimeInterval(-9)).rfc3339)
        XCTAssertEqual(LeaseReconciler.jobStart(job, now: t0), t0.addingTimeInterval(-9))
    }
}
