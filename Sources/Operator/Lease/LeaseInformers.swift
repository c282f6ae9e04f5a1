import ComputeAPI
import KubeClient

/// The informers the lease controller reads, from the operator's shared cache: the leases, the
/// provider, the nodes, and every kind of object a lease owns. Children the reconciler never
/// reads are kept as metadata only: a change to them matters, not their content.
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
        pods = shared.informer(Pod.self, options: Self.owned(Pod.self))
        jobs = shared.informer(Job.self, options: Self.owned(Job.self))
        namespaces = shared.informer(MetadataOnly<Namespace>.self, options: Self.owned(MetadataOnly<Namespace>.self))
        services = shared.informer(MetadataOnly<Service>.self, options: Self.owned(MetadataOnly<Service>.self))
        networkPolicies = shared.informer(MetadataOnly<NetworkPolicy>.self, options: Self.owned(MetadataOnly<NetworkPolicy>.self))
        resourceQuotas = shared.informer(MetadataOnly<ResourceQuota>.self, options: Self.owned(MetadataOnly<ResourceQuota>.self))
        limitRanges = shared.informer(MetadataOnly<LimitRange>.self, options: Self.owned(MetadataOnly<LimitRange>.self))
    }

    private static func owned<R: KubernetesResource>(_: R.Type) -> Watcher<R>.Options { .init(labelSelector: LeaseLabels.lease) }

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
