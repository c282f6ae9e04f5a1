import KubeClient

/// The objects of the NetworkPolicy self-test, from pure functions: a server Pod, a client Pod
/// that tries to reach it, and a policy denying all ingress to the server. All in the operator's
/// namespace, on the operator's own node (a node that runs Pods for sure), from the operator's
/// own image (the only image a provider's cluster is sure to pull), as the operator's user.
public struct NetworkPolicyProbePlan: Sendable, Equatable {
    public static let port = 8080
    static let roleLabel = "ncn.dev/netpol-probe"
    static let instanceLabel = "ncn.dev/netpol-probe-instance"

    public var namespace: String
    public var image: String
    public var node: String
    /// Tells one replica's objects from another's (the pod name): replicas test at once.
    public var instance: String
    /// The operator's own Pod, owner of every probe object: if it is deleted mid-test (a rollout,
    /// an eviction), the garbage collector removes what the test left, which no later run of this
    /// replica would (its successor has another name).
    public var owner: OwnerReference?

    public init(namespace: String, image: String, node: String, instance: String, owner: OwnerReference? = nil) {
        self.namespace = namespace
        self.image = image
        self.node = node
        self.instance = instance
        self.owner = owner
    }

    /// The owner reference to the operator's Pod `name` with `uid`; not blocking its deletion.
    public static func owner(podName name: String, uid: String) -> OwnerReference {
        OwnerReference(apiVersion: "v1", kind: "Pod", name: name, uid: uid, controller: false, blockOwnerDeletion: false)
    }

    public var serverName: String { "ncn-np-\(instance)-server" }
    public var policyName: String { "ncn-np-\(instance)-deny" }
    public func clientName(_ attempt: String) -> String { "ncn-np-\(instance)-\(attempt)" }

    public var server: Pod {
        pod(name: serverName, role: "server", args: ["network-probe", "serve", "--port", String(Self.port)], restart: "Always")
    }

    /// Exits 0 when it reached `serverIP`, 1 when it could not.
    public func client(_ attempt: String, serverIP: String) -> Pod {
        pod(name: clientName(attempt), role: "client",
            args: ["network-probe", "connect", "--host", serverIP, "--port", String(Self.port), "--timeout", "5s"], restart: "Never")
    }

    /// Selects the server and allows no ingress at all.
    public var denyPolicy: NetworkPolicy {
        NetworkPolicy(metadata: meta(policyName, role: "policy"), spec: NetworkPolicySpec(
            podSelector: LabelSelector(matchLabels: [Self.roleLabel: "server", Self.instanceLabel: instance]), policyTypes: [.ingress]))
    }

    private func meta(_ name: String, role: String) -> ObjectMeta {
        var meta = ObjectMeta(name: name, namespace: namespace)
        meta.labels = [Self.roleLabel: role, Self.instanceLabel: instance, "app.kubernetes.io/managed-by": "ncn-operator"]
        if let owner { meta.ownerReferences = [owner] }
        return meta
    }

    private func pod(name: String, role: String, args: [String], restart: String) -> Pod {
        var container = Container(name: "probe", image: image)
        container.args = args
        container.imagePullPolicy = "IfNotPresent"
        container.resources = ResourceRequirements(requests: ["cpu": "10m", "memory": "16Mi"], limits: ["cpu": "100m", "memory": "64Mi"])
        var security = SecurityContext()
        security.allowPrivilegeEscalation = false
        security.privileged = false
        security.readOnlyRootFilesystem = true
        security.runAsNonRoot = true
        security.capabilities = SecurityContext.Capabilities(drop: ["ALL"])
        security.seccompProfile = SeccompProfile(type: "RuntimeDefault")
        container.securityContext = security
        if role == "server" { container.ports = [ContainerPort(name: "probe", containerPort: Self.port)] }
        var spec = PodSpec(containers: [container])
        spec.restartPolicy = restart
        spec.nodeName = node
        spec.automountServiceAccountToken = false
        spec.enableServiceLinks = false
        spec.terminationGracePeriodSeconds = 1
        spec.activeDeadlineSeconds = 300
        return Pod(metadata: meta(name, role: role), spec: spec)
    }
}

/// What the self-test found.
public enum NetworkPolicyEnforcement: Sendable, Equatable, CustomStringConvertible {
    /// The client reached the server without a policy and not with one.
    case enforced
    /// The client reached the server through a deny-all policy.
    case notEnforced
    /// The test itself could not be run or read; `why` says what to look at.
    case unknown(why: String)

    /// From the two attempts: before the policy (must connect, or the test says nothing) and after.
    public static func judge(before: Bool, after: Bool) -> NetworkPolicyEnforcement {
        guard before else { return .unknown(why: "the probe client could not reach the probe server even without a policy") }
        return after ? .notEnforced : .enforced
    }

    public var description: String {
        switch self {
        case .enforced: return "enforced"
        case .notEnforced: return "not enforced"
        case let .unknown(why): return "unknown: \(why)"
        }
    }
}
