import ComputeAPI
import KubeClient

/// The lease namespace's firewall: everything denied, then ingress to the declared ports and
/// egress to DNS and the public internet allowed. NetworkPolicies only add permissions, so the
/// default-deny policy makes anything not allowed below impossible, including traffic a later
/// change of the allow rules forgets.
enum NetworkPolicyBuilder {
    static func build(_ lease: CheckedLease, nodeAddresses: [String] = [], settings: EgressSettings = EgressSettings()) -> [NetworkPolicy] {
        var policies = [defaultDeny(lease), egress(lease, nodeAddresses: nodeAddresses, settings: settings)]
        if let ingress = ingress(lease) { policies.append(ingress) }
        return policies
    }

    /// Selects every Pod in the namespace and allows nothing, in both directions.
    static func defaultDeny(_ lease: CheckedLease) -> NetworkPolicy {
        policy(lease, name: LeaseObjectNames.defaultDenyPolicy, NetworkPolicySpec(policyTypes: [.ingress, .egress]))
    }

    /// Ingress to the declared ports from anywhere: tenants reach their workload from the
    /// internet, through a node port or load balancer whose source address may be a node's
    /// (kube-proxy masquerades), so restricting sources would break it. Nil without ports.
    static func ingress(_ lease: CheckedLease) -> NetworkPolicy? {
        guard !lease.ports.isEmpty else { return nil }
        let ports = lease.ports.map { port($0.port, $0.protocol) }
        return policy(lease, name: LeaseObjectNames.ingressPolicy,
                      NetworkPolicySpec(policyTypes: [.ingress], ingress: [.init(ports: ports)]))
    }

    /// DNS to the cluster resolver only, and everything else to public addresses only, minus the
    /// nodes' own addresses (a node's public IP serves the kubelet and SSH, not the tenant) and
    /// the provider's `blockedCIDRs`.
    ///
    /// The resolver is named by its Pods' labels in every namespace (`namespaceSelector: {}`),
    /// because the `kubernetes.io/metadata.name` label that would select kube-system only exists
    /// from Kubernetes 1.21, and a Service IP cannot be used: CNIs match policies after kube-proxy
    /// has rewritten it to a Pod's. Resolvers that are not Pods (a node-local cache on
    /// 169.254.20.10, a host-network resolver) are listed by address. Open DNS would let a tenant
    /// reach any resolver and tunnel through it, and reach port 53 of private addresses.
    static func egress(_ lease: CheckedLease, nodeAddresses: [String] = [], settings: EgressSettings = EgressSettings()) -> NetworkPolicy {
        let nodes = EgressRanges.hostRanges(nodeAddresses)
        let extra = EgressRanges.cidrs(settings.blockedCIDRs)
        let internet = NetworkPolicySpec.EgressRule(to: [
            ipBlock(EgressRanges.allIPv4, except: EgressRanges.blockedIPv4 + extra.ipv4 + nodes.ipv4),
            ipBlock(EgressRanges.allIPv6, except: EgressRanges.blockedIPv6 + extra.ipv6 + nodes.ipv6),
        ])
        return policy(lease, name: LeaseObjectNames.egressPolicy,
                      NetworkPolicySpec(policyTypes: [.egress], egress: [dns(settings.dns), internet].compactMap { $0 }))
    }

    /// Nil when no resolver is named at all: then there is no DNS rule (a rule without `to`
    /// would allow every destination).
    static func dns(_ resolver: ClusterDNS) -> NetworkPolicySpec.EgressRule? {
        let ports = [port(53, .udp), port(53, .tcp)]
        guard !resolver.anyAddress else { return .init(ports: ports) }
        var peers: [NetworkPolicySpec.Peer] = []
        if !resolver.podLabels.isEmpty {
            peers.append(.init(podSelector: LabelSelector(matchLabels: resolver.podLabels), namespaceSelector: LabelSelector()))
        }
        let hosts = EgressRanges.hostRanges(resolver.addresses)
        for range in hosts.ipv4 + hosts.ipv6 { peers.append(.init(ipBlock: .init(cidr: range))) }
        return peers.isEmpty ? nil : .init(ports: ports, to: peers)
    }

    private static func policy(_ lease: CheckedLease, name: String, _ spec: NetworkPolicySpec) -> NetworkPolicy {
        NetworkPolicy(metadata: lease.metadata(name: name), spec: spec)
    }

    private static func port(_ port: Int, _ proto: PortProtocol) -> NetworkPolicySpec.Port {
        .init(port: port, protocol: proto.rawValue)
    }

    private static func ipBlock(_ cidr: String, except: [String]) -> NetworkPolicySpec.Peer {
        .init(ipBlock: .init(cidr: cidr, except: except))
    }
}
