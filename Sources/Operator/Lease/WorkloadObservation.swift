import ComputeAPI
import Foundation
import KubeClient

/// What the lease's Pod says about its one container, reduced to what the lifecycle decides on.
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

    init(
        podPhase: String? = nil, podReason: String? = nil, exitCode: Int32? = nil, waitingReason: String? = nil,
        waitingMessage: String? = nil, image: String? = nil, podCreatedAt: Date? = nil
    ) {
        self.podPhase = podPhase
        self.podReason = podReason
        self.exitCode = exitCode
        self.waitingReason = waitingReason
        self.waitingMessage = waitingMessage
        self.image = image
        self.podCreatedAt = podCreatedAt
    }

    init(pod: Pod?) {
        let container = pod?.status?.containerStatuses?.first { $0.name == LeaseObjectNames.container }
        self.init(
            podPhase: pod?.status?.phase, podReason: pod?.status?.reason,
            exitCode: container?.state?.terminated?.exitCode,
            waitingReason: container?.state?.waiting?.reason, waitingMessage: container?.state?.waiting?.message,
            image: pod?.spec?.containers.first { $0.name == LeaseObjectNames.container }?.image,
            podCreatedAt: pod?.metadata.creationTimestamp.flatMap { Timestamp(rfc3339: $0)?.date })
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
