import ComputeAPI
import KubeClient
@testable import Operator
import XCTest

final class WorkloadNetworkPolicyTests: XCTestCase {
    typealias F = WorkloadFixtures

    private func policy(_ name: String, in workload: LeaseWorkload) throws -> NetworkPolicy {
        try XCTUnwrap(workload.networkPolicies.first { $0.metadata.name == name }, "no policy \(name)")
    }

    func testPoliciesInApplyOrder() throws {
        XCTAssertEqual(try F.cpuWorkload.networkPolicies.map(\.metadata.name), ["default-deny", "allow-egress", "allow-ingress"])
        XCTAssertEqual(try F.batchWorkload.networkPolicies.map(\.metadata.name), ["default-deny", "allow-egress"],
                       "nothing may come in without declared ports")
        for policy in try F.cpuWorkload.networkPolicies {
            XCTAssertEqual(policy.apiVersion, "networking.k8s.io/v1")
            XCTAssertEqual(policy.kind, "NetworkPolicy")
            XCTAssertEqual(policy.metadata.namespace, F.namespace)
            XCTAssertEqual(policy.specJSON?["podSelector"], .object([:]), "every Pod of the namespace")
        }
    }

    func testTheNodesOwnAddressesAreNotReachableFromTheLease() throws {
        let workload = try LeaseWorkloadBuilder.build(
            lease: F.cpuLease, provider: F.provider(), envSecretData: nil,
            nodeAddresses: ["203.0.113.7", "gpu-node-1.example.com", "2001:DB8::7", "203.0.113.7", "10.0.0.4", "256.1.1.1"])
        let egress = try policy("allow-egress", in: workload)
        guard case let .array(rules)? = egress.specJSON?["egress"], case let .array(blocks)? = rules.last?["to"] else { return XCTFail("no rules") }
        func excepts(_ index: Int) -> [String] {
            guard case let .array(values)? = blocks[index]["ipBlock"]?["except"] else { return [] }
            return values.compactMap { if case let .string(text) = $0 { text } else { nil } }
        }
        XCTAssertEqual(Array(excepts(0).suffix(2)), ["10.0.0.4/32", "203.0.113.7/32"], "one /32 per node IPv4, hostnames and junk left out")
        XCTAssertEqual(excepts(1).last, "2001:db8::7/128")
        XCTAssertEqual(EgressRanges.hostRanges([]).ipv4, [])
    }

    func testDefaultDenyBlocksBothDirections() throws {
        let deny = try policy("default-deny", in: F.cpuWorkload)
        XCTAssertEqual(try F.json(deny.spec), #"{"podSelector":{},"policyTypes":["Ingress","Egress"]}"#)
    }

    func testIngressOnlyToTheDeclaredPortsFromAnywhere() throws {
        let ingress = try policy("allow-ingress", in: F.cpuWorkload)
        XCTAssertEqual(try F.json(ingress.spec),
                       #"{"ingress":[{"ports":[{"port":8080,"protocol":"TCP"},{"port":9000,"protocol":"UDP"}]}],"#
                           + #""podSelector":{},"policyTypes":["Ingress"]}"#)
        guard case let .array(rules)? = ingress.specJSON?["ingress"] else { return XCTFail("no rules") }
        XCTAssertNil(rules.first?["from"], "no source restriction: tenants connect from the internet")
    }

    func testGPULeaseIngress() throws {
        let ingress = try policy("allow-ingress", in: F.gpuWorkload)
        XCTAssertEqual(ingress.specJSON?["ingress"], .array([.object(["ports": .array([
            .object(["port": .number(8888), "protocol": .string("TCP")]),
        ])])]))
    }

    func testEgressAllowsDNSAndThePublicInternetOnly() throws {
        let egress = try policy("allow-egress", in: F.cpuWorkload)
        XCTAssertEqual(egress.specJSON?["policyTypes"], .array([.string("Egress")]))
        guard case let .array(rules)? = egress.specJSON?["egress"] else { return XCTFail("no egress rules") }
        XCTAssertEqual(rules.count, 2)
        XCTAssertEqual(rules[0], .object([
            "ports": .array([
                .object(["port": .number(53), "protocol": .string("UDP")]),
                .object(["port": .number(53), "protocol": .string("TCP")]),
            ]),
            "to": .array([.object([
                "namespaceSelector": .object([:]),
                "podSelector": .object(["matchLabels": .object(["k8s-app": .string("kube-dns")])]),
            ])]),
        ]), "DNS to the cluster resolver's Pods only")
        XCTAssertNil(rules[1]["ports"], "every port to public addresses")
        XCTAssertEqual(rules[1]["to"], .array([
            .object(["ipBlock": .object(["cidr": .string("0.0.0.0/0"), "except": .array([
                "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
                "192.0.0.0/24", "192.168.0.0/16", "168.63.129.16/32", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
            ].map(JSONValue.string))])]),
            .object(["ipBlock": .object(["cidr": .string("::/0"), "except": .array([
                "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "fc00::/7", "fe80::/10", "ff00::/8",
            ].map(JSONValue.string))])]),
        ]))
    }

    /// The provider's own ranges join the exceptions by family; DNS can name addresses, be
    /// opened to any address, or (nothing named) be left out rather than allowed everywhere.
    func testProviderRangesAndResolverSettings() throws {
        var provider = F.provider()
        provider.policy.egress = EgressSettings(blockedCIDRs: ["203.0.113.0/24", "2001:DB8::/32", "not-a-cidr", "10.0.0.1/33"],
                                                dns: ClusterDNS(podLabels: [:], addresses: ["169.254.20.10"]))
        let workload = try LeaseWorkloadBuilder.build(lease: F.cpuLease, provider: provider, envSecretData: nil, nodeAddresses: ["198.51.100.4"])
        let egress = try XCTUnwrap(workload.networkPolicies.first { $0.metadata.name == "allow-egress" })
        guard case let .array(rules)? = egress.specJSON?["egress"] else { return XCTFail("no egress rules") }
        XCTAssertEqual(rules[0]["to"], .array([.object(["ipBlock": .object(["cidr": .string("169.254.20.10/32")])])]))
        guard case let .array(blocks)? = rules[1]["to"], case let .array(v4)? = blocks[0]["ipBlock"]?["except"],
              case let .array(v6)? = blocks[1]["ipBlock"]?["except"] else { return XCTFail("no ipBlocks") }
        XCTAssertEqual(Array(v4.suffix(2)), [.string("203.0.113.0/24"), .string("198.51.100.4/32")])
        XCTAssertEqual(v6.last, .string("2001:db8::/32"))
        XCTAssertEqual(NetworkPolicyBuilder.dns(ClusterDNS(anyAddress: true))?.to, nil, "open DNS: no destination limit")
        XCTAssertNil(NetworkPolicyBuilder.dns(ClusterDNS(podLabels: [:])), "no resolver named: no DNS rule at all")
    }

    /// The addresses that matter most are each inside some excepted range.
    func testPrivateLinkLocalMetadataAndLoopbackAddressesAreExcepted() {
        let blockedV4 = ["10.96.0.1", "10.244.3.7", "172.17.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1",
                         "100.127.255.254", "169.254.169.254", "169.254.20.10", "127.0.0.1", "0.0.0.0", "255.255.255.255"]
        for address in blockedV4 {
            XCTAssertTrue(EgressRanges.blockedIPv4.contains { IPv4CIDR($0)!.contains(address) }, address)
        }
        let publicV4 = ["1.1.1.1", "8.8.8.8", "203.0.113.7", "172.32.0.1", "100.128.0.1", "172.15.255.255", "192.169.0.1", "11.0.0.1"]
        for address in publicV4 {
            XCTAssertFalse(EgressRanges.blockedIPv4.contains { IPv4CIDR($0)!.contains(address) }, address)
        }
    }

    func testEveryExceptedRangeIsAWellFormedCIDRInsideTheAllowedBlock() {
        for cidr in EgressRanges.blockedIPv4 {
            let parsed = IPv4CIDR(cidr)
            XCTAssertNotNil(parsed, cidr)
            XCTAssertNotEqual(parsed?.prefix, 0, "\(cidr) must be strictly inside 0.0.0.0/0")
            XCTAssertEqual(parsed.map { $0.address & $0.mask }, parsed?.address, "\(cidr) has host bits set")
        }
        for cidr in EgressRanges.blockedIPv6 {
            let parts = cidr.split(separator: "/")
            XCTAssertEqual(parts.count, 2, cidr)
            XCTAssertTrue(parts[0].contains(":"), cidr)
            XCTAssertTrue((1...128).contains(Int(parts[1]) ?? -1), cidr)
        }
        XCTAssertEqual(Set(EgressRanges.blockedIPv4).count, EgressRanges.blockedIPv4.count)
    }

    func testPoliciesDoNotDependOnServiceTypeOrRuntime() throws {
        let nodePort = try F.cpuWorkload.networkPolicies
        let loadBalancer = try F.build(F.cpuLease, provider: F.provider(serviceType: .loadBalancer, runtimeClassName: "gvisor"))
        XCTAssertEqual(loadBalancer.networkPolicies, nodePort)
    }
}

/// Just enough IPv4 CIDR arithmetic to check the excepted ranges.
private struct IPv4CIDR {
    var address: UInt32
    var prefix: Int
    var mask: UInt32 { prefix == 0 ? 0 : UInt32.max << (32 - prefix) }

    init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix), let address = Self.parse(String(parts[0])) else {
            return nil
        }
        self.address = address
        self.prefix = prefix
    }

    func contains(_ text: String) -> Bool {
        guard let other = Self.parse(text) else { return false }
        return other & mask == address & mask
    }

    static func parse(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 < 256 }) else { return nil }
        return octets.reduce(0) { $0 << 8 | $1 }
    }
}

extension NetworkPolicy {
    /// The spec as the apiserver receives it, to compare with the JSON the policies must have.
    var specJSON: JSONValue? {
        guard let spec, let data = try? JSONEncoder().encode(spec) else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: data)
    }
}
