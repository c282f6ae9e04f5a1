/// networking.k8s.io/v1 NetworkPolicySpec, in the parts the operator writes: who it selects,
/// which directions it governs, and the allowed peers and ports of each rule.
public struct NetworkPolicySpec: Codable, Sendable, Equatable {
    /// Required by the API; an empty selector (`{}`) selects every Pod of the namespace.
    public var podSelector: LabelSelector
    public var policyTypes: [PolicyType]?
    public var ingress: [IngressRule]?
    public var egress: [EgressRule]?

    public init(podSelector: LabelSelector = LabelSelector(), policyTypes: [PolicyType]? = nil,
                ingress: [IngressRule]? = nil, egress: [EgressRule]? = nil) {
        self.podSelector = podSelector
        self.policyTypes = policyTypes
        self.ingress = ingress
        self.egress = egress
    }

    public enum PolicyType: String, Codable, Sendable {
        case ingress = "Ingress"
        case egress = "Egress"
    }

    /// Traffic allowed in: to these ports (all when nil) from these peers (any when nil).
    public struct IngressRule: Codable, Sendable, Equatable {
        public var ports: [Port]?
        public var from: [Peer]?
        public init(ports: [Port]? = nil, from: [Peer]? = nil) {
            self.ports = ports
            self.from = from
        }
    }

    /// Traffic allowed out: to these ports (all when nil) of these peers (any when nil).
    public struct EgressRule: Codable, Sendable, Equatable {
        public var ports: [Port]?
        public var to: [Peer]?
        public init(ports: [Port]? = nil, to: [Peer]? = nil) {
            self.ports = ports
            self.to = to
        }
    }

    /// A numbered port (named ports are not used here, as for `Service.targetPort`).
    public struct Port: Codable, Sendable, Equatable {
        public var port: Int?
        public var `protocol`: String?
        public init(port: Int?, protocol: String?) {
            self.port = port
            self.protocol = `protocol`
        }
    }

    /// Pods by label (in namespaces by label), or an address range.
    public struct Peer: Codable, Sendable, Equatable {
        public var podSelector: LabelSelector?
        public var namespaceSelector: LabelSelector?
        public var ipBlock: IPBlock?
        public init(podSelector: LabelSelector? = nil, namespaceSelector: LabelSelector? = nil, ipBlock: IPBlock? = nil) {
            self.podSelector = podSelector
            self.namespaceSelector = namespaceSelector
            self.ipBlock = ipBlock
        }
    }

    public struct IPBlock: Codable, Sendable, Equatable {
        public var cidr: String
        public var except: [String]?
        public init(cidr: String, except: [String]? = nil) {
            self.cidr = cidr
            self.except = except
        }
    }
}

/// A label selector by equality (`matchLabels`); empty, it selects everything.
public struct LabelSelector: Codable, Sendable, Equatable {
    public var matchLabels: [String: String]?
    public init(matchLabels: [String: String]? = nil) { self.matchLabels = matchLabels }
}
