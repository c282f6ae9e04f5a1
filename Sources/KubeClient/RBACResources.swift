/// A RoleBinding: grants a Role or ClusterRole to subjects inside one namespace.
public struct RoleBinding: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(
        group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings", kind: "RoleBinding", namespaced: true)
    public var apiVersion: String? = "rbac.authorization.k8s.io/v1"
    public var kind: String? = "RoleBinding"
    public var metadata: ObjectMeta
    /// Immutable once created: a binding to another role is a new binding.
    public var roleRef: RoleReference
    public var subjects: [Subject]?

    public struct RoleReference: Codable, Sendable, Equatable {
        public var apiGroup: String
        /// Role or ClusterRole.
        public var kind: String
        public var name: String
        public init(apiGroup: String = "rbac.authorization.k8s.io", kind: String, name: String) {
            self.apiGroup = apiGroup
            self.kind = kind
            self.name = name
        }
    }

    public struct Subject: Codable, Sendable, Equatable {
        /// ServiceAccount, User or Group.
        public var kind: String
        public var name: String
        public var namespace: String?
        public init(kind: String, name: String, namespace: String? = nil) {
            self.kind = kind
            self.name = name
            self.namespace = namespace
        }
    }

    public init(metadata: ObjectMeta, roleRef: RoleReference, subjects: [Subject]) {
        self.metadata = metadata
        self.roleRef = roleRef
        self.subjects = subjects
    }
}
