public struct Node: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", plural: "nodes", kind: "Node", namespaced: false)
    public var apiVersion: String? = "v1"
    public var kind: String? = "Node"
    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public struct Spec: Codable, Sendable, Equatable {
        public var unschedulable: Bool?
        public var taints: [Taint]?
    }

    public struct Taint: Codable, Sendable, Equatable {
        public var key: String
        public var value: String?
        public var effect: String
    }

    public struct Status: Codable, Sendable, Equatable {
        public var capacity: [String: String]?
        public var allocatable: [String: String]?
        public var conditions: [PodStatus.Condition]?
        public var addresses: [Address]?
    }

    public struct Address: Codable, Sendable, Equatable {
        public var type: String
        public var address: String
    }

    public init(metadata: ObjectMeta) { self.metadata = metadata }
}

public struct Service: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", plural: "services", kind: "Service", namespaced: true)
    public var apiVersion: String? = "v1"
    public var kind: String? = "Service"
    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public struct Spec: Codable, Sendable, Equatable {
        /// ClusterIP, NodePort or LoadBalancer.
        public var type: String?
        public var selector: [String: String]?
        public var ports: [Port]?
        public var clusterIP: String?
        public var externalTrafficPolicy: String?
        public init(type: String?, selector: [String: String]?, ports: [Port]?) {
            self.type = type
            self.selector = selector
            self.ports = ports
        }
    }

    public struct Port: Codable, Sendable, Equatable {
        public var name: String?
        public var `protocol`: String?
        public var port: Int
        public var targetPort: Int?
        public var nodePort: Int?
        public init(name: String?, protocol: String?, port: Int, targetPort: Int?, nodePort: Int? = nil) {
            self.name = name
            self.protocol = `protocol`
            self.port = port
            self.targetPort = targetPort
            self.nodePort = nodePort
        }
    }

    public struct Status: Codable, Sendable, Equatable {
        public var loadBalancer: LoadBalancer?
        public struct LoadBalancer: Codable, Sendable, Equatable {
            public var ingress: [Ingress]?
        }
        public struct Ingress: Codable, Sendable, Equatable {
            public var ip: String?
            public var hostname: String?
        }
    }

    public init(metadata: ObjectMeta, spec: Spec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// networking.k8s.io/v1 NetworkPolicy (`NetworkPolicySpec.swift`).
public struct NetworkPolicy: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(group: "networking.k8s.io", version: "v1", plural: "networkpolicies", kind: "NetworkPolicy", namespaced: true)
    public var apiVersion: String? = "networking.k8s.io/v1"
    public var kind: String? = "NetworkPolicy"
    public var metadata: ObjectMeta
    public var spec: NetworkPolicySpec?

    public init(metadata: ObjectMeta, spec: NetworkPolicySpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct ResourceQuota: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", plural: "resourcequotas", kind: "ResourceQuota", namespaced: true)
    public var apiVersion: String? = "v1"
    public var kind: String? = "ResourceQuota"
    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public struct Spec: Codable, Sendable, Equatable {
        public var hard: [String: String]?
        public init(hard: [String: String]?) { self.hard = hard }
    }

    public struct Status: Codable, Sendable, Equatable {
        public var hard: [String: String]?
        public var used: [String: String]?
    }

    public init(metadata: ObjectMeta, spec: Spec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct LimitRange: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", plural: "limitranges", kind: "LimitRange", namespaced: true)
    public var apiVersion: String? = "v1"
    public var kind: String? = "LimitRange"
    public var metadata: ObjectMeta
    public var spec: Spec?

    public struct Spec: Codable, Sendable, Equatable {
        public var limits: [Item]
        public init(limits: [Item]) { self.limits = limits }
    }

    public struct Item: Codable, Sendable, Equatable {
        public var type: String
        public var max: [String: String]?
        public var min: [String: String]?
        public var `default`: [String: String]?
        public var defaultRequest: [String: String]?
        public init(type: String, max: [String: String]? = nil, min: [String: String]? = nil, default: [String: String]? = nil, defaultRequest: [String: String]? = nil) {
            self.type = type
            self.max = max
            self.min = min
            self.default = `default`
            self.defaultRequest = defaultRequest
        }
    }

    public init(metadata: ObjectMeta, spec: Spec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}
