import ComputeAPI
import KubeClient

/// The lease namespace's firewall: everything denied, then ingress to the declared ports and
/// egress to DNS and the public internet allowed. NetworkPolicies only add permissions, so the
/// default-deny policy makes anything not allowed below impossible, including traffic a later
/// change of the allow rules forgets.
enum NetworkPolicyBuilder {
    static func build(_ lease: CheckedLease, nodeAddresses: [String] = []) -> [NetworkPolicy] {
        var policies = [defaultDeny(lease), egress(lease, nodeAddresses: nodeAddresses)]
        if let ingress = ingress(lease) { policies.append(ingress) }
        return policies
    }

    /// Selects every Pod in the namespace and allows nothing, in both directions.
    static func defaultDeny(_ lease: CheckedLease) -> NetworkPolicy {
        policy(lease, name: LeaseObjectNames.defaultDenyPolicy, [
            "podSelector": .object([:]),
            "policyTypes": .array([.string("Ingress"), .string("Egress")]),
        ])
    }

    /// Ingress to the declared ports from anywhere: tenants reach their workload from the
    /// internet, through a node port or load balancer whose source address may be a node's
    /// (kube-proxy masquerades), so restricting sources would break it. Nil without ports.
    static func ingress(_ lease: CheckedLease) -> NetworkPolicy? {
        guard !lease.ports.isEmpty else { return nil }
        let ports = lease.ports.map { portRule($0.port, $0.protocol) }
        return policy(lease, name: LeaseObjectNames.ingressPolicy, [
            "podSelector": .object([:]),
            "policyTypes": .array([.string("Ingress")]),
            "ingress": .array([.object(["ports": .array(ports)])]),
        ])
    }

    /// DNS to any address, and everything else to public addresses only, minus the nodes' own
    /// addresses: a node's public IP serves the kubelet and SSH, not the tenant.
    ///
    /// DNS is allowed on port 53 to any destination rather than to kube-system's DNS Pods:
    /// the cluster resolver may be CoreDNS Pods, a node-local cache on 169.254.20.10, or a resolver
    /// on the host network, which no Pod selector matches; and the `kubernetes.io/metadata.name`
    /// label that would select kube-system only exists from Kubernetes 1.21. What this opens is
    /// port 53 on private addresses, which offers a tenant nothing the open internet does not
    /// already (any public resolver, DNS tunnelling).
    static func egress(_ lease: CheckedLease, nodeAddresses: [String] = []) -> NetworkPolicy {
        let dns = JSONValue.object(["ports": .array([portRule(53, .udp), portRule(53, .tcp)])])
        let nodes = EgressRanges.hostRanges(nodeAddresses)
        let internet = JSONValue.object(["to": .array([
            ipBlock(EgressRanges.allIPv4, except: EgressRanges.blockedIPv4 + nodes.ipv4),
            ipBlock(EgressRanges.allIPv6, except: EgressRanges.blockedIPv6 + nodes.ipv6),
        ])])
        return policy(lease, name: LeaseObjectNames.egressPolicy, [
            "podSelector": .object([:]),
            "policyTypes": .array([.string("Egress")]),
            "egress": .array([dns, internet]),
        ])
    }

    private static func policy(_ lease: CheckedLease, name: String, _ spec: [String: JSONValue]) -> NetworkPolicy {
        NetworkPolicy(metadata: lease.metadata(name: name), spec: .object(spec))
    }

    private static func portRule(_ port: Int, _ proto: PortProtocol) -> JSONValue {
        .object(["port": .number(Double(port)), "protocol": .string(proto.rawValue)])
    }

    private static func ipBlock(_ cidr: String, except: [String]) -> JSONValue {
        .object(["ipBlock": .object(["cidr": .string(cidr), "except": .array(except.map(JSONValue.string))])])
    }
}
