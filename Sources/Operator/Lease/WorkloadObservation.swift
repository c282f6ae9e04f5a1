import ComputeAPI
import Foundation
import KubeClient

/// What the lease's Job and its Pod say about the one container, reduced to what the lifecycle decides on.
struct WorkloadObservation: Equatable, Sendable {
    var podPhase: String?
    var podReason: String?
    /// Set once the container has exited.
    var exitCode: Int32?
    /// Why the container has not started yet (ErrImagePull, ImagePullBackOff, ...), with the kubelet's words.
    var waitingReason: String?
    var waitingMessage: String?
    var image: String?
    var podCreatedAt: Date?
    /// The reason of the Job's `Failed` condition (`DeadlineExceeded`, `BackoffLimitExceeded`), once it failed.
    var jobFailure: String?
    /// The Job's `Complete` condition is true.
    var jobComplete: Bool

    init(
        podPhase: String? = nil, podReason: String? = nil, exitCode: Int32? = nil, waitingReason: String? = nil,
        waitingMessage: String? = nil, image: String? = nil, podCreatedAt: Date? = nil, jobFailure: String? = nil, jobComplete: Bool = false
    ) {
        self.podPhase = podPhase
        self.podReason = podReason
        self.exitCode = exitCode
        self.waitingReason = waitingReason
        self.waitingMessage = waitingMessage
        self.image = image
        self.podCreatedAt = podCreatedAt
        self.jobFailure = jobFailure
        self.jobComplete = jobComplete
    }

    init(job: Job?, pod: Pod?) {
        let container = pod?.status?.containerStatuses?.first { $0.name == LeaseObjectNames.container }
        let conditions = (job?.status?.conditions ?? []).filter { $0.status == "True" }
        let failed = conditions.first { $0.type == "Failed" }
        self.init(
            podPhase: pod?.status?.phase, podReason: pod?.status?.reason,
            exitCode: container?.state?.terminated?.exitCode,
            waitingReason: container?.state?.waiting?.reason, waitingMessage: container?.state?.waiting?.message,
            image: pod?.spec?.containers.first { $0.name == LeaseObjectNames.container }?.image,
            podCreatedAt: pod?.metadata.creationTimestamp.flatMap { Timestamp(rfc3339: $0)?.date },
            jobFailure: failed.map { $0.reason ?? "Failed" }, jobComplete: conditions.contains { $0.type == "Complete" })
    }

    /// Which of a lease namespace's pods is the workload's: the Job's live Pod, else the newest.
    /// The Job controller names its Pod `workload-<random>` and makes a new one when one is deleted
    /// by hand, so for a while there may be two (one of them terminating).
    static func workloadPod(in pods: [Pod]) -> Pod? {
        pods.max { a, b in
            let aLive = a.metadata.deletionTimestamp == nil, bLive = b.metadata.deletionTimestamp == nil
            if aLive != bLive { return bLive }
            return (a.metadata.creationTimestamp ?? "", a.metadata.name ?? "") < (b.metadata.creationTimestamp ?? "", b.metadata.name ?? "")
        }
    }

    /// How long a pull may keep failing before the lease ends: long enough for a slow or briefly
    /// unreachable registry, short enough that a missing image does not hold paid capacity.
    static let pullFailureLimit: TimeInterval = 60

    /// Why the workload can never start: an image name Kubernetes refuses at once, or a pull or
    /// create that still fails after the limit (the kubelet's back-off would retry forever).
    func startFailure(now: Date) -> String? {
        guard let reason = waitingReason else { return nil }
        let image = self.image.map { " \($0)" } ?? ""
        let detail = waitingMessage.map { ": \($0)" } ?? ""
        switch reason {
        case "InvalidImageName", "ErrImageNeverPull":
            return "The image\(image) cannot be pulled (\(reason))\(detail). Check the image reference and request again."
        case "ErrImagePull", "ImagePullBackOff":
            guard let created = podCreatedAt, now >= created.addingTimeInterval(Self.pullFailureLimit) else { return nil }
            return "The image\(image) could not be pulled for \(Int(Self.pullFailureLimit)) s (\(reason))\(detail). "
                + "Check that it exists in the registry and is public, and request again."
        case "CreateContainerConfigError", "CreateContainerError":
            guard let created = podCreatedAt, now >= created.addingTimeInterval(Self.pullFailureLimit) else { return nil }
            return "The container could not be created for \(Int(Self.pullFailureLimit)) s (\(reason))\(detail)."
        default:
            return nil
        }
    }

    static let retriedReasons: Set<String> = ["ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError", "CreateContainerError"]

    /// When a start that keeps failing is given up on, for the reconciler's next look.
    var startFailureDeadline: Date? {
        guard let reason = waitingReason, Self.retriedReasons.contains(reason) else { return nil }
        return podCreatedAt?.addingTimeInterval(Self.pullFailureLimit)
    }
}
