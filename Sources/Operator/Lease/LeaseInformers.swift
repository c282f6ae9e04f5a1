import ComputeAPI
import KubeClient

/// The informers the lease controller reads, from the operator's shared cache: the leases, the
/// provider, the nodes, and every kind of object a lease owns, each trimmed to what is read of it
/// (`OperatorCacheTrims`). Children the reconciler never reads are kept as their identity only:
/// a change to them matters, not their content.
struct LeaseInformers: Sendable {
    let leases: Informer<ComputeLease>
    let providers: Informer<ComputeProvider>
    let nodes: Informer<Node>
    let pods: Informer<Pod>
    let jobs: Informer<Job>
    let namespaces: Informer<MetadataOnly<Namespace>>
    let services: Informer<MetadataOnly<Service>>
    let networkPolicies: Informer<MetadataOnly<NetworkPolicy>>
    let resourceQuotas: Informer<MetadataOnly<ResourceQuota>>
    let limitRanges: Informer<MetadataOnly<LimitRange>>

    init(_ shared: SharedInformers, provider: ProviderContext) {
        leases = shared.informer(ComputeLease.self)
        providers = provider.informer
        nodes = shared.informer(Node.self)
        pods = shared.informer(Pod.self, options: .init(labelSelector: LeaseLabels.lease, trim: .observedPod))
        jobs = shared.informer(Job.self, options: .init(labelSelector: LeaseLabels.lease, trim: .observedJob))
        namespaces = shared.informer(options: Self.changesOnly(Namespace.self))
        services = shared.informer(options: Self.changesOnly(Service.self))
        networkPolicies = shared.informer(options: Self.changesOnly(NetworkPolicy.self))
        resourceQuotas = shared.informer(options: Self.changesOnly(ResourceQuota.self))
        limitRanges = shared.informer(options: Self.changesOnly(LimitRange.self))
    }

    /// The lease's children that are watched only to notice a change: their metadata, trimmed to identity.
    private static func changesOnly<K: KubernetesResource>(_: K.Type) -> Watcher<MetadataOnly<K>>.Options {
        .init(labelSelector: LeaseLabels.lease, trim: .identity)
    }

    /// The resourceVersion the cache holds for a lease child the reconciler applies (`AppliedChildren`).
    func cachedVersion(kind: LeaseChildKind, namespace: String?, name: String) -> String? {
        let key = ObjectKey(namespace: namespace, name: name)
        switch kind {
        case .namespace: return namespaces.store.get(ObjectKey(name: name))?.metadata.resourceVersion
        case .resourceQuota: return resourceQuotas.store.get(key)?.metadata.resourceVersion
        case .limitRange: return limitRanges.store.get(key)?.metadata.resourceVersion
        case .networkPolicy: return networkPolicies.store.get(key)?.metadata.resourceVersion
        }
    }

    func waitUntilSynced() async {
        await leases.store.waitUntilSynced()
        await providers.store.waitUntilSynced()
        await nodes.store.waitUntilSynced()
        await pods.store.waitUntilSynced()
        await jobs.store.waitUntilSynced()
        await namespaces.store.waitUntilSynced()
        await services.store.waitUntilSynced()
        await networkPolicies.store.waitUntilSynced()
        await resourceQuotas.store.waitUntilSynced()
        await limitRanges.store.waitUntilSynced()
    }

    var isSynced: Bool {
        leases.store.isSynced && providers.store.isSynced && nodes.store.isSynced && pods.store.isSynced && jobs.store.isSynced
            && namespaces.store.isSynced && services.store.isSynced && networkPolicies.store.isSynced
            && resourceQuotas.store.isSynced && limitRanges.store.isSynced
    }
}
