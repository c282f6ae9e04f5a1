import ComputeAPI
import Foundation
import KubeClient

/// Turns a paid lease into the objects it runs as. Pure: the same lease and provider always give
/// equal objects, so applying them again (server-side apply, as `fieldManager`) changes nothing,
/// and unit tests can check every field without a cluster.
public enum LeaseWorkloadBuilder {
    /// The field manager of every server-side apply of these objects.
    public static let fieldManager = "ncn-operator"

    static let namespacePrefix = "ncn-lease-"

    /// `ncn-lease-<lease name>`. Not shortened or hashed when too long: two leases must never
    /// share a namespace, so a name that does not fit is refused by `build` instead.
    public static func namespaceName(forLease leaseName: String) -> String {
        namespacePrefix + leaseName
    }

    /// The lease a namespace name belongs to: the inverse of `namespaceName(forLease:)`.
    public static func leaseName(ofNamespace namespace: String) -> String? {
        guard namespace.hasPrefix(namespacePrefix), namespace.count > namespacePrefix.count else { return nil }
        return String(namespace.dropFirst(namespacePrefix.count))
    }

    /// The lease's namespace and everything in it.
    ///
    /// - Parameters:
    ///   - envSecretData: the plain (not base64) values of the Secret the lease's `envSecretRef`
    ///     names, read by the caller; nil when the lease has none. A lease that names a Secret is
    ///     refused without them rather than started without its private settings.
    ///   - nodeAddresses: the cluster's node addresses, which the lease may not reach (kubelet,
    ///     SSH and whatever else listens on a node's public address).
    ///   - jobStart: when the lease's Job started (its `status.startTime`), which its deadline counts
    ///     from; see `WorkloadDeadline.activeDeadlineSeconds(for:jobStart:)`.
    public static func build(
        lease: ComputeLease, provider: ComputeProviderSpec, envSecretData: [String: String]?, envSecretNamespace: String? = nil,
        nodeAddresses: [String] = [], jobStart: Date? = nil
    ) throws(WorkloadBuildError) -> LeaseWorkload {
        try build(lease: lease, provider: provider, envSecretData: envSecretData, envSecretNamespace: envSecretNamespace,
                  security: WorkloadSecurity(policy: provider.policy), nodeAddresses: nodeAddresses, jobStart: jobStart)
    }

    /// As above with the security settings given, so both the default and the non-root profile can be tested.
    static func build(
        lease: ComputeLease, provider: ComputeProviderSpec, envSecretData: [String: String]?, envSecretNamespace: String? = nil,
        security: WorkloadSecurity, nodeAddresses: [String] = [], jobStart: Date? = nil
    ) throws(WorkloadBuildError) -> LeaseWorkload {
        let checked = try CheckedLease(lease: lease, provider: provider, envSecretData: envSecretData, envSecretNamespace: envSecretNamespace,
                                       security: security)
        return LeaseWorkload(
            namespace: NamespaceBuilder.build(checked),
            resourceQuota: ResourceQuotaBuilder.build(checked),
            limitRange: LimitRangeBuilder.build(checked),
            networkPolicies: NetworkPolicyBuilder.build(checked, nodeAddresses: nodeAddresses, settings: provider.policy.egress),
            envSecret: EnvSecretBuilder.build(checked),
            job: JobBuilder.build(checked, activeDeadlineSeconds: WorkloadDeadline.activeDeadlineSeconds(for: lease, jobStart: jobStart)),
            service: ServiceBuilder.build(checked)
        )
    }
}
