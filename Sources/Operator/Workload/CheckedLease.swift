import ComputeAPI
import KubeClient

/// A lease and its provider settings after every check the builders rely on: each builder takes
/// this, so none of them can meet a value the apiserver would refuse.
///
/// The provider's `WorkloadPolicy` (registries, port range, duration cap) is deliberately not
/// checked here: it decides which requests get a bid, and a lease already paid for must keep
/// building the same objects if the provider tightens its policy afterwards.
struct CheckedLease: Sendable {
    var name: String
    var namespace: String
    var uid: String
    var tenantPrefix: String
    var spec: ComputeLeaseSpec
    /// What the container runs: the digest the provider's scanner allowed, else the image as asked.
    var image: String
    var ports: [WorkloadPort]
    /// The provider's GPU model label key, nil when the provider left it empty (only allowed for CPU leases).
    var gpuNodeLabelKey: String?
    var runtimeClassName: String?
    var serviceType: EndpointServiceType
    var security: WorkloadSecurity
    /// Plain values of the tenant's private environment, nil when the lease has none.
    var envSecretData: [String: String]?

    /// - Parameter envSecretNamespace: where the lease's own Secret lives (the operator's namespace);
    ///   nil: not checked (builders' unit tests).
    init(
        lease: ComputeLease, provider: ComputeProviderSpec, envSecretData: [String: String]?, envSecretNamespace: String? = nil,
        security: WorkloadSecurity
    ) throws(WorkloadBuildError)
    {
        let name = lease.metadata.name ?? ""
        namespace = LeaseWorkloadBuilder.namespaceName(forLease: name)
        guard !name.isEmpty, KubernetesNames.isDNSLabel(namespace) else { throw .invalidLeaseName(name) }
        guard let uid = lease.metadata.uid, !uid.isEmpty else { throw .missingLeaseUID(name) }
        self.name = name
        self.uid = uid

        let spec = lease.spec
        tenantPrefix = String(spec.tenantPubkey.prefix(16))
        guard tenantPrefix.count == 16, KubernetesNames.isLabelValue(tenantPrefix) else { throw .invalidTenant }
        guard !spec.image.isEmpty, !spec.image.contains(where: \.isWhitespace) else { throw .invalidImage }
        try Self.checkQuantities(spec.resources)
        try Self.checkGPU(spec.resources, labelKey: provider.gpuNodeLabelKey)
        guard spec.durationSeconds >= 1 else { throw .invalidDuration(spec.durationSeconds) }
        for variable in spec.env ?? [] where !KubernetesNames.isEnvVarName(variable.name) {
            throw .invalidEnvVarName(variable.name)
        }
        ports = try WorkloadPort.named(spec.ports)
        self.spec = spec
        if let scan = lease.status?.imageScan, scan.verdict == .allowed {
            guard !scan.image.isEmpty, !scan.image.contains(where: \.isWhitespace) else { throw .invalidImage }
            image = scan.image
        } else {
            image = spec.image
        }

        gpuNodeLabelKey = provider.gpuNodeLabelKey.isEmpty ? nil : provider.gpuNodeLabelKey
        if let runtimeClass = provider.runtimeClassName, !runtimeClass.isEmpty {
            guard KubernetesNames.isDNSSubdomain(runtimeClass) else { throw .invalidRuntimeClass(runtimeClass) }
            runtimeClassName = runtimeClass
        } else {
            runtimeClassName = nil
        }
        serviceType = provider.serviceType
        self.security = security

        // A lease that names a Secret must not start without it: the tenant paid for a workload
        // configured with those values, and running it half-configured could do harm (e.g. with
        // default credentials). Keys must be valid both as Secret keys and as variable names,
        // since `envFrom` silently skips keys that are not variable names.
        // Only the lease's own Secret: anything else would let whoever writes a lease copy any
        // Secret of the cluster into a tenant's pod (a confused deputy).
        if let envSecretRef = spec.envSecretRef,
           envSecretRef.name != Self.envSecretName(forLease: name) || envSecretNamespace.map({ envSecretRef.namespace != $0 }) ?? false {
            let expected = (envSecretNamespace.map { "\($0)/" } ?? "") + Self.envSecretName(forLease: name)
            throw .foreignEnvSecret("\(envSecretRef.namespace)/\(envSecretRef.name)", expected: expected)
        }
        if let envSecretRef = spec.envSecretRef, envSecretData == nil {
            throw .missingEnvSecret("\(envSecretRef.namespace)/\(envSecretRef.name)")
        }
        for key in (envSecretData ?? [:]).keys.sorted()
        where !KubernetesNames.isSecretKey(key) || !KubernetesNames.isEnvVarName(key) {
            throw .invalidSecretKey(key)
        }
        self.envSecretData = envSecretData
    }

    var isGPULease: Bool { spec.resources.gpus > 0 }

    /// The one Secret a lease may take its private environment from.
    static func envSecretName(forLease name: String) -> String { "\(name)-env" }

    /// Metadata for a child object: in the lease's namespace (unless it is the namespace itself),
    /// labelled, and owned by the lease.
    ///
    /// Every child carries the owner reference, not only the namespace: deleting the namespace
    /// would collect them anyway, but the reference lets a watch on Pods or Services map an event
    /// straight to its lease, and lets the garbage collector act even if a child were ever moved
    /// out of the lease namespace.
    func metadata(name objectName: String, inNamespace: Bool = true, extraLabels: [String: String] = [:]) -> ObjectMeta {
        var labels = LeaseLabels.common(forLease: name, tenantPrefix: tenantPrefix)
        labels.merge(extraLabels) { _, extra in extra }
        var meta = ObjectMeta(name: objectName, namespace: inNamespace ? namespace : nil, labels: labels)
        meta.ownerReferences = [ownerReference]
        return meta
    }

    /// Controller reference to the cluster-scoped ComputeLease. A namespaced object may be owned by
    /// a cluster-scoped one, so this works for every child. `blockOwnerDeletion` makes a foreground
    /// deletion of the lease wait until its children are gone; setting it needs `update` on
    /// `computeleases/finalizers` where OwnerReferencesPermissionEnforcement is on.
    var ownerReference: OwnerReference {
        OwnerReference(
            apiVersion: ComputeLease.descriptor.apiVersion, kind: ComputeLease.descriptor.kind, name: name, uid: uid,
            controller: true, blockOwnerDeletion: true)
    }

    private static func checkQuantities(_ resources: LeaseResources) throws(WorkloadBuildError) {
        guard let millicores = resources.cpu.milliValue, millicores > 0 else {
            throw .invalidQuantity(field: "spec.resources.cpu", text: resources.cpu.text)
        }
        guard let bytes = resources.memory.value, bytes > 0 else {
            throw .invalidQuantity(field: "spec.resources.memory", text: resources.memory.text)
        }
        if let disk = resources.ephemeralStorage {
            guard let bytes = disk.value, bytes > 0 else { throw .invalidQuantity(field: "spec.resources.ephemeralStorage", text: disk.text) }
        }
    }

    private static func checkGPU(_ resources: LeaseResources, labelKey: String) throws(WorkloadBuildError) {
        guard resources.gpus >= 0 else { throw .invalidGPUCount(resources.gpus) }
        if let model = resources.gpuModel {
            guard resources.gpus > 0 else { throw .gpuModelWithoutGPUs(model) }
            guard !model.isEmpty, KubernetesNames.isLabelValue(model) else { throw .invalidGPUModel(model) }
        }
        // GPU nodes are told apart by this label, for the model selector and for the inventory
        // that sold the GPUs in the first place; a CPU lease without it just loses the soft
        // preference for non-GPU nodes.
        if resources.gpus > 0, labelKey.isEmpty { throw .missingGPUNodeLabelKey }
        if !labelKey.isEmpty, !KubernetesNames.isLabelKey(labelKey) { throw .invalidGPUNodeLabelKey(labelKey) }
    }
}
