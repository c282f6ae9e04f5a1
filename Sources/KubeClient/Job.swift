/// A batch/v1 Job: the fields the operator writes (spec) and reads (status). Its one Pod is made by
/// the Job controller from `spec.template`; unlike a Pod's, the Job's `activeDeadlineSeconds` may be
/// raised after creation.
public struct Job: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true)
    public var apiVersion: String? = "batch/v1"
    public var kind: String? = "Job"
    public var metadata: ObjectMeta
    public var spec: JobSpec?
    public var status: JobStatus?

    public init(metadata: ObjectMeta, spec: JobSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct JobSpec: Codable, Sendable, Equatable {
    public var parallelism: Int32?
    public var completions: Int32?
    public var backoffLimit: Int32?
    /// Seconds from `status.startTime` after which the Job controller deletes the Job's pods and
    /// marks the Job Failed with reason `DeadlineExceeded`. Mutable.
    public var activeDeadlineSeconds: Int64?
    public var template: PodTemplateSpec

    public init(template: PodTemplateSpec) { self.template = template }
}

public struct PodTemplateSpec: Codable, Sendable, Equatable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec?

    public init(metadata: ObjectMeta?, spec: PodSpec?) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct JobStatus: Codable, Sendable, Equatable {
    /// When the Job controller first saw the Job: what `activeDeadlineSeconds` counts from.
    public var startTime: String?
    public var completionTime: String?
    public var active: Int32?
    public var succeeded: Int32?
    public var failed: Int32?
    /// `Complete` or `Failed` (reasons `DeadlineExceeded`, `BackoffLimitExceeded`), status "True".
    public var conditions: [PodStatus.Condition]?

    public init(startTime: String? = nil, conditions: [PodStatus.Condition]? = nil) {
        self.startTime = startTime
        self.conditions = conditions
    }
}
