import ComputeAPI
import Foundation
import KubeClient
@testable import Operator
import XCTest

func fixtureLease(name: String = "lease-abc", gpus: Int = 0) -> ComputeLease {
    var lease = ComputeLease(name: name, spec: ComputeLeaseSpec(
        tenantPubkey: String(repeating: "a", count: 64), requestEventId: String(repeating: "b", count: 64),
        relays: ["ws://127.0.0.1:17001"], image: "busybox:1.36",
        resources: LeaseResources(cpu: "500m", memory: "256Mi", gpus: gpus, gpuModel: gpus > 0 ? "NVIDIA-H100-80GB-HBM3" : nil),
        ports: [LeasePort(port: 8080)], durationSeconds: 3600, pricePerIntervalMsats: 10_000,
        intervalSeconds: 600, graceSeconds: 60, paymentRail: .lightning))
    lease.metadata.uid = "uid-1"
    lease.metadata.finalizers = [LeaseLifecycle.finalizer]
    return lease
}

/// `lease` first paid at `since`, paid until `until`.
func paidFixture(_ lease: ComputeLease = fixtureLease(), since: Date, until: Date) -> ComputeLease {
    var lease = lease
    var status = ComputeLeaseStatus(phase: .provisioning, paidUntil: Timestamp(until))
    status.conditions = [Condition(type: .paid, status: .true, reason: "TranchePaid", lastTransitionTime: Timestamp(since))]
    lease.status = status
    return lease
}

final class LeaseLifecycleTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    private func paid(_ lease: ComputeLease, since: Date, until: Date) -> ComputeLease { paidFixture(lease, since: since, until: until) }

    func testTheFinalizerComesFirstAndDeletionAlwaysFinalizes() {
        var lease = fixtureLease()
        lease.metadata.finalizers = nil
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: nil, podReason: nil), now: t0), .addFinalizer)
        lease.metadata.deletionTimestamp = "2027-01-01T00:00:00Z"
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: nil, podReason: nil), now: t0), .finalize)
    }

    func testUnpaidLeasesWaitUntilTheBidExpires() {
        var lease = fixtureLease()
        lease.spec.bidExpiresAt = Timestamp(t0.addingTimeInterval(30))
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: nil, podReason: nil), now: t0), .awaitPayment(until: t0.addingTimeInterval(30)))
        guard case .end(.expired, .bidExpired, _, _) = LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: nil, podReason: nil), now: t0.addingTimeInterval(30)) else {
            return XCTFail()
        }
        XCTAssertEqual(LeaseLifecycle.nextDeadline(lease, now: t0), t0.addingTimeInterval(30))
    }

    func testPaidLeasesRunUntilPaymentPlusGraceRunsOut() {
        let lease = paid(fixtureLease(), since: t0, until: t0.addingTimeInterval(600))
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: "Running", podReason: nil), now: t0.addingTimeInterval(659)), .run)
        guard case .end(.expired, .paymentLapsed, let message, _) = LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: "Running", podReason: nil), now: t0.addingTimeInterval(660)) else {
            return XCTFail()
        }
        XCTAssertTrue(message.contains("grace"), message)
        XCTAssertEqual(LeaseLifecycle.nextDeadline(lease, now: t0), t0.addingTimeInterval(660))
    }

    func testTheDurationEndsTheLeaseEvenWhenPaidFurther() {
        let lease = paid(fixtureLease(), since: t0, until: t0.addingTimeInterval(7200))
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: "Running", podReason: nil), now: t0.addingTimeInterval(3599)), .run)
        guard case .end(.terminated, .durationElapsed, _, _) = LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: "Running", podReason: nil), now: t0.addingTimeInterval(3600)) else {
            return XCTFail()
        }
    }

    func testThePodsEndIsTheLeasesEnd() {
        let lease = paid(fixtureLease(), since: t0, until: t0.addingTimeInterval(600))
        guard case .end(.succeeded, .workloadExited, _, _) = LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: "Succeeded", podReason: nil), now: t0) else { return XCTFail() }
        guard case .end(.failed, .workloadExited, _, _) = LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: "Failed", podReason: "Error"), now: t0) else { return XCTFail() }
        guard case .end(.terminated, .durationElapsed, _, _) = LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: "Failed", podReason: "DeadlineExceeded"), now: t0) else { return XCTFail() }
    }

    /// The Job controller stopped the workload at its deadline (the operator was down): the lease
    /// ends for whichever bound the deadline was, payment or duration.
    func testAJobPastItsDeadlineEndsTheLeaseForWhatBoundIt() {
        let stopped = WorkloadObservation(jobFailure: "DeadlineExceeded")
        let unpaid = paid(fixtureLease(), since: t0, until: t0.addingTimeInterval(600))
        guard case let .end(.expired, .paymentLapsed, message, nil) = LeaseLifecycle.decide(unpaid, workload: stopped, now: t0.addingTimeInterval(500)) else {
            return XCTFail()
        }
        XCTAssertTrue(message.contains("the cluster stopped the workload"), message)
        let paidToTheEnd = paid(fixtureLease(), since: t0, until: t0.addingTimeInterval(3600))
        guard case .end(.terminated, .durationElapsed, _, nil) = LeaseLifecycle.decide(paidToTheEnd, workload: stopped, now: t0.addingTimeInterval(3500)) else {
            return XCTFail()
        }
        // The pod's own terminal phase, if the Job's pod is still there, does not change the reason.
        var stoppedPod = stopped
        stoppedPod.podPhase = "Failed"
        stoppedPod.exitCode = 143
        guard case .end(.expired, .paymentLapsed, _, nil) = LeaseLifecycle.decide(unpaid, workload: stoppedPod, now: t0) else { return XCTFail() }
    }

    /// A finished Job whose Pod is gone still ends the lease, as the Job says.
    func testAFinishedJobWithoutItsPodEndsTheLease() {
        let lease = paid(fixtureLease(), since: t0, until: t0.addingTimeInterval(600))
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(jobComplete: true), now: t0),
                       .end(.succeeded, .workloadExited, "The workload exited with code 0.", exitCode: 0))
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(jobFailure: "BackoffLimitExceeded"), now: t0),
                       .end(.failed, .workloadExited, "The workload failed (BackoffLimitExceeded)."))
        // With its Pod there, the Pod's exit code is what the lease reports.
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: "Failed", exitCode: 3, jobFailure: "BackoffLimitExceeded"), now: t0),
                       .end(.failed, .workloadExited, "The workload exited with code 3.", exitCode: 3))
    }

    func testTheObservationReadsTheJobsConditions() {
        func job(_ conditions: [PodStatus.Condition]) -> Job {
            var job = Job(metadata: ObjectMeta(name: "workload"))
            job.status = JobStatus(startTime: "2027-01-15T08:00:00Z", conditions: conditions)
            return job
        }
        XCTAssertEqual(WorkloadObservation(job: job([]), pod: nil), WorkloadObservation())
        let deadline = job([.init(type: "Failed", status: "True", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline")])
        XCTAssertEqual(WorkloadObservation(job: deadline, pod: nil).jobFailure, "DeadlineExceeded")
        XCTAssertNil(WorkloadObservation(job: job([.init(type: "Failed", status: "False")]), pod: nil).jobFailure)
        XCTAssertTrue(WorkloadObservation(job: job([.init(type: "Complete", status: "True")]), pod: nil).jobComplete)
    }

    func testTheWorkloadPodIsTheJobsLiveOne() {
        func pod(_ name: String, created: String, deleting: Bool = false) -> Pod {
            var pod = Pod(metadata: ObjectMeta(name: name, namespace: "ncn-lease-x"))
            pod.metadata.creationTimestamp = created
            pod.metadata.deletionTimestamp = deleting ? "2027-01-15T08:10:00Z" : nil
            return pod
        }
        let old = pod("workload-abcde", created: "2027-01-15T08:00:00Z", deleting: true)
        let new = pod("workload-fghij", created: "2027-01-15T08:05:00Z")
        XCTAssertNil(WorkloadObservation.workloadPod(in: []))
        XCTAssertEqual(WorkloadObservation.workloadPod(in: [old, new])?.metadata.name, "workload-fghij")
        XCTAssertEqual(WorkloadObservation.workloadPod(in: [new, old])?.metadata.name, "workload-fghij")
        let newerButGoing = pod("workload-klmno", created: "2027-01-15T08:09:00Z", deleting: true)
        XCTAssertEqual(WorkloadObservation.workloadPod(in: [newerButGoing, new])?.metadata.name, "workload-fghij")
        XCTAssertEqual(WorkloadObservation.workloadPod(in: [old])?.metadata.name, "workload-abcde")
    }

    func testTheExitCodeTravelsWithTheEnding() {
        let lease = paid(fixtureLease(), since: t0, until: t0.addingTimeInterval(600))
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: "Succeeded", exitCode: 0), now: t0),
                       .end(.succeeded, .workloadExited, "The workload exited with code 0.", exitCode: 0))
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: "Failed", exitCode: 3), now: t0),
                       .end(.failed, .workloadExited, "The workload exited with code 3.", exitCode: 3))
    }

    func testAnImageThatCannotBePulledEndsTheLeaseAfterTheLimit() {
        let lease = paid(fixtureLease(), since: t0, until: t0.addingTimeInterval(600))
        let pulling = WorkloadObservation(podPhase: "Pending", waitingReason: "ImagePullBackOff",
                                          waitingMessage: "Back-off pulling image \"r.example/x:1\"", image: "r.example/x:1", podCreatedAt: t0)
        let limit = WorkloadObservation.pullFailureLimit
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: pulling, now: t0.addingTimeInterval(limit - 1)), .run)
        XCTAssertEqual(LeaseLifecycle.nextDeadline(lease, workload: pulling, now: t0), t0.addingTimeInterval(limit))
        guard case let .end(.failed, .workloadNotStarted, message, nil) = LeaseLifecycle.decide(lease, workload: pulling, now: t0.addingTimeInterval(limit)) else {
            return XCTFail()
        }
        XCTAssertTrue(message.contains("r.example/x:1") && message.contains("ImagePullBackOff") && message.contains("request again"), message)
        // A name Kubernetes refuses can never be pulled: no need to wait.
        let invalid = WorkloadObservation(podPhase: "Pending", waitingReason: "InvalidImageName", podCreatedAt: t0)
        guard case .end(.failed, .workloadNotStarted, _, _) = LeaseLifecycle.decide(lease, workload: invalid, now: t0) else { return XCTFail() }
        // Still pulling normally is no failure.
        let creating = WorkloadObservation(podPhase: "Pending", waitingReason: "ContainerCreating", podCreatedAt: t0)
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: creating, now: t0.addingTimeInterval(500)), .run)
    }

    func testTheObservationReadsTheWorkloadContainer() throws {
        let json = """
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "workload", "creationTimestamp": "2027-01-15T08:00:00Z"},
         "spec": {"containers": [{"name": "main", "image": "127.0.0.1:15001/ncn/exit:latest"}]},
         "status": {"phase": "Failed", "reason": null, "containerStatuses": [
           {"name": "main", "ready": false, "restartCount": 0, "image": "127.0.0.1:15001/ncn/exit:latest",
            "state": {"terminated": {"exitCode": 3, "reason": "Error", "finishedAt": "2027-01-15T08:00:05Z"}}}]}}
        """
        let pod = try JSONDecoder().decode(Pod.self, from: Data(json.utf8))
        let observed = WorkloadObservation(job: nil, pod: pod)
        XCTAssertEqual(observed.exitCode, 3)
        XCTAssertEqual(observed.podPhase, "Failed")
        XCTAssertEqual(observed.image, "127.0.0.1:15001/ncn/exit:latest")
        XCTAssertEqual(observed.podCreatedAt, Timestamp(rfc3339: "2027-01-15T08:00:00Z")?.date)
    }

    func testTerminalLeasesAreDeleted() {
        var lease = paid(fixtureLease(), since: t0, until: t0.addingTimeInterval(600))
        lease.status?.phase = .expired
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: nil, podReason: nil), now: t0), .delete)
    }
}

final class LeaseStatusObserverTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    private func pod(node: String?, phase: String, ready: Bool, unschedulable: String? = nil) -> Pod {
        var pod = Pod(metadata: ObjectMeta(name: "workload", namespace: "ncn-lease-x"), spec: PodSpec(containers: []))
        pod.spec?.nodeName = node
        var status = PodStatus(phase: phase)
        var conditions: [PodStatus.Condition] = []
        if let unschedulable {
            conditions.append(.init(type: "PodScheduled", status: "False", reason: "Unschedulable", message: unschedulable))
        }
        conditions.append(.init(type: "Ready", status: ready ? "True" : "False"))
        status.conditions = conditions
        pod.status = status
        return pod
    }

    func testAnUnschedulableLeaseSaysSoInPlainWords() {
        let status = LeaseStatusObserver.observe(
            lease: fixtureLease(gpus: 16), pod: pod(node: nil, phase: "Pending", ready: false,
                                                    unschedulable: "0/2 nodes are available: 2 Insufficient nvidia.com/gpu."),
            endpoints: [], namespace: "ncn-lease-x", now: t0)
        XCTAssertEqual(status.phase, .provisioning)
        XCTAssertEqual(status.conditions?[.scheduled]?.status, .false)
        XCTAssertEqual(status.message, "No node can run this lease right now: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu.")
    }

    func testARunningPodMakesTheLeaseRunningWithEndpoints() {
        let endpoints = [LeaseEndpoint(name: "p8080", host: "192.0.2.10", port: 31000)]
        let status = LeaseStatusObserver.observe(lease: fixtureLease(), pod: pod(node: "gpu-1", phase: "Running", ready: true),
                                                 endpoints: endpoints, namespace: "ncn-lease-x", now: t0)
        XCTAssertEqual(status.phase, .running)
        XCTAssertEqual(status.node, "gpu-1")
        XCTAssertEqual(status.primaryEndpoint, "192.0.2.10:31000")
        XCTAssertEqual(status.conditions?[.ready]?.status, .true)
        XCTAssertEqual(status.message, "Running on gpu-1; reachable at 192.0.2.10:31000.")
    }

    func testObservingTheSameStateTwiceChangesNothing() {
        var lease = fixtureLease()
        let first = LeaseStatusObserver.observe(lease: lease, pod: pod(node: "n1", phase: "Running", ready: true), endpoints: [],
                                                namespace: "ncn-lease-x", now: t0)
        lease.status = first
        let second = LeaseStatusObserver.observe(lease: lease, pod: pod(node: "n1", phase: "Running", ready: true), endpoints: [],
                                                 namespace: "ncn-lease-x", now: t0.addingTimeInterval(100))
        XCTAssertEqual(first, second, "an unchanged world must not produce a status write")
    }
}

final class LeaseCancellationTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// The market only asks (a CancelRequested condition, its one field); the reconciler ends the
    /// lease, paid or not, and writes the phase itself.
    func testACancelRequestEndsTheLeaseThroughTheReconciler() {
        for lease in [fixtureLease(), paidFixture(since: t0, until: t0.addingTimeInterval(600))] {
            var asked = lease
            var status = asked.status ?? ComputeLeaseStatus()
            status.conditions = (status.conditions ?? []) + [
                Condition(type: .cancelRequested, status: .true, reason: "TenantCancelled", message: "The tenant cancelled the request.",
                          lastTransitionTime: Timestamp(t0)),
            ]
            asked.status = status
            XCTAssertEqual(LeaseLifecycle.decide(asked, workload: WorkloadObservation(podPhase: "Running", podReason: nil), now: t0),
                           .end(.terminated, .tenantCancelled, "The tenant cancelled the request."))
            XCTAssertNotEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(podPhase: "Running", podReason: nil), now: t0),
                              .end(.terminated, .tenantCancelled, "The tenant cancelled the request."))
        }
    }
}
