import ComputeAPI
import Foundation
import KubeClient
@testable import Operator
import Testing

/// The trimmed caches must answer every reader exactly as the whole objects do.
@Suite struct OperatorCacheTrimsTests {
    private let now = Date(timeIntervalSince1970: 1_796_000_000)

    private func served() throws -> (Job, Pod) {
        let workload = try WorkloadFixtures.build(WorkloadFixtures.gpuLease, envSecretData: WorkloadFixtures.envSecretData, jobStart: now)
        var job = workload.job
        job.metadata.annotations = [JobBuilder.armedDeadline: "600"]
        job.status = JobStatus(startTime: Timestamp(now).description)
        var pod = Pod(metadata: workload.job.spec?.template.metadata ?? ObjectMeta(), spec: workload.job.spec?.template.spec)
        pod.metadata.name = "workload-x1"
        pod.metadata.creationTimestamp = Timestamp(now).description
        pod.metadata.annotations = ["kubernetes.io/psp": "restricted"]
        pod.spec?.nodeName = "gpu-node-1"
        var status = PodStatus(phase: "Running")
        status.conditions = [.init(type: "PodScheduled", status: "True"), .init(type: "Ready", status: "True")]
        var state = ContainerState()
        state.running = .init(startedAt: Timestamp(now).description)
        status.containerStatuses = [ContainerStatus(name: LeaseObjectNames.container, state: state, ready: true, image: "busybox")]
        pod.status = status
        return (job, pod)
    }

    @Test func theLeaseControllerAndTheInventoryReadTheSameFromTrimmedObjects() throws {
        let (job, pod) = try served()
        let trimmedJob = CacheTrim.observedJob(job), trimmedPod = CacheTrim.observedPod(pod)

        #expect(WorkloadObservation(job: trimmedJob, pod: trimmedPod) == WorkloadObservation(job: job, pod: pod))
        let lease = WorkloadFixtures.gpuLease
        #expect(LeaseStatusObserver.observe(lease: lease, pod: trimmedPod, endpoints: [], namespace: "ns", now: now)
            == LeaseStatusObserver.observe(lease: lease, pod: pod, endpoints: [], namespace: "ns", now: now))
        #expect(PodUsage(trimmedPod) == PodUsage(pod))
        #expect(PodUsage(trimmedPod) != nil)
        let wanted = (job.spec?.activeDeadlineSeconds ?? 0) + 600
        #expect(JobBuilder.refresh(trimmedJob, wanted: wanted, now: now) == JobBuilder.refresh(job, wanted: wanted, now: now))
        #expect(LeaseReconciler.jobStart(trimmedJob, now: now) == LeaseReconciler.jobStart(job, now: now))
    }

    @Test func whatIsDroppedIsWhatNobodyReads() throws {
        let (job, pod) = try served()
        let trimmedJob = CacheTrim.observedJob(job), trimmedPod = CacheTrim.observedPod(pod)
        #expect(trimmedJob.spec?.template.spec == nil)
        #expect(trimmedJob.metadata.annotations == job.metadata.annotations, "the armed deadline is read back")
        #expect(trimmedPod.spec?.containers.allSatisfy { $0.env == nil && $0.command == nil && $0.securityContext == nil } == true)
        #expect(trimmedPod.spec?.tolerations == nil && trimmedPod.spec?.securityContext == nil)
        #expect(trimmedPod.metadata.annotations == nil)
        func size(_ object: some Encodable) throws -> Int { try JSONEncoder().encode(object).count }
        #expect(try size(trimmedPod) < size(pod))
        #expect(try size(trimmedJob) * 2 < size(job))
    }
}
