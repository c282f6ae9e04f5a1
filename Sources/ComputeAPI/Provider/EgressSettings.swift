/// Where a lease's Pod may send traffic beyond the public internet's fixed exclusions (private,
/// link-local, metadata and NAT64 ranges, which the operator always blocks).
public struct EgressSettings: Codable, Sendable, Equatable {
    /// More ranges tenants may not reach: the cluster's Pod and Service CIDRs when they are
    /// public addresses, the provider's own public networks, a cloud's platform endpoints.
    public var blockedCIDRs: [String]
    /// The cluster resolver, the only place DNS may go.
    public var dns: ClusterDNS

    public init(blockedCIDRs: [String] = [], dns: ClusterDNS = ClusterDNS()) {
        self.blockedCIDRs = blockedCIDRs
        self.dns = dns
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        blockedCIDRs = try container.decodeIfPresent([String].self, forKey: .blockedCIDRs) ?? []
        dns = try container.decodeIfPresent(ClusterDNS.self, forKey: .dns) ?? ClusterDNS()
    }

    static let schema = Schema.object("Where leases may send traffic: the public internet only, minus these ranges; DNS only to the cluster resolver.", [
        .optional("blockedCIDRs", .array(
            of: .string("An IPv4 or IPv6 range in CIDR notation, e.g. 203.0.113.0/24.").pattern(Patterns.cidr).maxLength(64),
            "Ranges leases may not reach besides the private, link-local, metadata and NAT64 ranges always blocked: "
                + "the cluster's Pod and Service CIDRs if they are public, the provider's own networks.")
            .maxItems(256).listSet().defaulting(.array([]))),
        .optional("dns", ClusterDNS.schema.defaulting(.object([]))),
    ])
}

/// The cluster's DNS resolver, as a NetworkPolicy can name it.
public struct ClusterDNS: Codable, Sendable, Equatable {
    /// Labels of the resolver's Pods, in any namespace (CoreDNS and kube-dns carry k8s-app=kube-dns).
    public var podLabels: [String: String]
    /// Resolver addresses outside any Pod: a node-local cache (169.254.20.10), a host-network resolver.
    public var addresses: [String]
    /// Port 53 to any address, as before this setting existed: for clusters whose resolver no
    /// label or address above describes. A tenant can then use any DNS server, and tunnel over it.
    public var anyAddress: Bool

    public init(podLabels: [String: String] = ["k8s-app": "kube-dns"], addresses: [String] = [], anyAddress: Bool = false) {
        self.podLabels = podLabels
        self.addresses = addresses
        self.anyAddress = anyAddress
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ClusterDNS()
        podLabels = try container.decodeIfPresent([String: String].self, forKey: .podLabels) ?? defaults.podLabels
        addresses = try container.decodeIfPresent([String].self, forKey: .addresses) ?? []
        anyAddress = try container.decodeIfPresent(Bool.self, forKey: .anyAddress) ?? false
    }

    static let schema = Schema.object("The cluster resolver: leases send DNS (port 53) only there.", [
        .optional("podLabels", .map(of: .string("A label value.").maxLength(63),
                                     "Labels of the resolver's Pods, matched in every namespace.")
            .defaulting(.object([("k8s-app", .string("kube-dns"))]))),
        .optional("addresses", .array(of: .string("An IP address.").pattern(Patterns.ipAddress).maxLength(45),
                                      "Resolver addresses that are not Pods: a node-local cache such as 169.254.20.10.")
            .maxItems(16).listSet().defaulting(.array([]))),
        .optional("anyAddress", .boolean("Allow DNS to any address (any public resolver; DNS tunnelling) when the cluster "
            + "resolver cannot be named above.").defaulting(.bool(false))),
    ])
}
