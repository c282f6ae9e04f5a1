import KubeClient

/// Everything one paid lease runs as, built from the lease alone: what the apply path writes,
/// in the order it should write it (namespace first, the Job after its Secret and policies).
public struct LeaseWorkload: Sendable, Equatable {
    public var namespace: Namespace
    public var resourceQuota: ResourceQuota
    public var limitRange: LimitRange
    /// default-deny first, then the allow rules; the Pod never runs unconfined because the apply
    /// path writes these before it.
    public var networkPolicies: [NetworkPolicy]
    /// The tenant's private env copied into the lease namespace (pods can only read secrets in their own namespace).
    public var envSecret: Secret?
    /// The workload: one Job whose one Pod runs the tenant's container.
    public var job: Job
    /// Nil when the lease declares no ports.
    public var service: Service?

    public init(
        namespace: Namespace, resourceQuota: ResourceQuota, limitRange: LimitRange, networkPolicies: [NetworkPolicy],
        envSecret: Secret?, job: Job, service: Service?
    ) {
        self.namespace = namespace
        self.resourceQuota = resourceQuota
        self.limitRange = limitRange
        self.networkPolicies = networkPolicies
        self.envSecret = envSecret
        self.job = job
        self.service = service
    }
}
