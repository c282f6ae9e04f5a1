import KubeClient

/// The lease's namespace: the unit of isolation (policies, quota and limits are per namespace) and
/// of clean-up (deleting the lease collects the namespace, which takes everything in it along).
enum NamespaceBuilder {
    static func build(_ lease: CheckedLease) -> Namespace {
        Namespace(metadata: lease.metadata(name: lease.namespace, inNamespace: false, extraLabels: lease.security.namespaceLabels))
    }
}
