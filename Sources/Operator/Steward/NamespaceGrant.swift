import KubeClient

/// Which namespaces the operator may write in, and the RoleBinding that lets it.
///
/// The operator reads Nostr from the internet, so it holds no cluster-wide write on Pods,
/// Services, Secrets, policies or quotas, and cannot relabel or delete namespaces. It may only
/// *create* namespaces. The steward, a separate process with no network exposure, grants it
/// write rights inside each lease namespace by binding one ClusterRole there. A namespace
/// qualifies only when its name is `ncn-lease-<lease>` and it carries the `ncn.dev/lease=<lease>`
/// label: since the operator cannot patch namespaces it has no binding in, it can never put that
/// label on an existing namespace (kube-system, or a provider's own), only create new ones that
/// carry it; and the name prefix keeps it from squatting on a namespace an administrator has yet
/// to create.
public struct NamespaceGrant: Sendable, Equatable {
    /// The RoleBinding's name in each lease namespace.
    public static let bindingName = "ncn-operator"
    /// The ClusterRole bound there: manifests/25-lease-namespace-clusterrole.yaml.
    public static let clusterRoleName = "ncn-operator-lease-namespace"
    public static let namePrefix = LeaseWorkloadBuilder.namespacePrefix
    static let managedBy = "ncn-steward"

    /// Who gets the rights: the operator's ServiceAccount.
    public var serviceAccount: String
    public var serviceAccountNamespace: String

    public init(serviceAccount: String = "ncn-operator", serviceAccountNamespace: String = "ncn-system") {
        self.serviceAccount = serviceAccount
        self.serviceAccountNamespace = serviceAccountNamespace
    }

    /// Whether `namespace` is a lease namespace that should hold the operator's binding now.
    public static func qualifies(_ namespace: Namespace) -> Bool {
        guard let name = namespace.metadata.name, namespace.metadata.deletionTimestamp == nil,
              namespace.status?.phase != "Terminating",
              let lease = namespace.metadata.labels?[LeaseLabels.lease], !lease.isEmpty
        else { return false }
        return name == namePrefix + lease
    }

    /// The binding `namespace` should hold, or nil when it does not qualify.
    public func binding(for namespace: Namespace) -> RoleBinding? {
        guard Self.qualifies(namespace), let name = namespace.metadata.name else { return nil }
        var metadata = ObjectMeta(name: Self.bindingName, namespace: name)
        metadata.labels = [LeaseLabels.managedBy: Self.managedBy]
        return RoleBinding(
            metadata: metadata,
            roleRef: .init(kind: "ClusterRole", name: Self.clusterRoleName),
            subjects: [.init(kind: "ServiceAccount", name: serviceAccount, namespace: serviceAccountNamespace)])
    }

    /// Whether an existing binding grants what `wanted` does and nothing else (a hand-edited one is replaced).
    public static func matches(_ existing: RoleBinding, _ wanted: RoleBinding) -> Bool {
        existing.roleRef == wanted.roleRef && (existing.subjects ?? []) == (wanted.subjects ?? [])
    }
}
