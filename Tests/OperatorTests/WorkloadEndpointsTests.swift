import ComputeAPI
import KubeClient
@testable import Operator
import XCTest

final class WorkloadEndpointsTests: XCTestCase {
    typealias F = WorkloadFixtures

    /// The built Service as the apiserver returns it: node ports allocated, load balancer ingress as given.
    private func liveService(type: String = "NodePort", nodePorts: [Int?] = [30080, 31900], ingress: String? = nil) throws -> Service {
        var service = try XCTUnwrap(F.build(F.cpuLease, provider: F.provider(serviceType: EndpointServiceType(rawValue: type)!)).service)
        for (index, nodePort) in nodePorts.enumerated() { service.spec?.ports?[index].nodePort = nodePort }
        if let ingress { service.status = try F.decode(Service.Status.self, #"{"loadBalancer":{"ingress":"# + ingress + "}}") }
        return service
    }

    private func addresses(_ json: String) throws -> [Node.Address] {
        try F.decode([Node.Address].self, json)
    }

    func testNodePortUsesTheExternalIP() throws {
        let nodeAddresses = try addresses(#"[{"type":"Hostname","address":"gpu-node-1"},{"type":"InternalIP","address":"10.0.0.5"},"#
            + #"{"type":"ExternalIP","address":"203.0.113.7"},{"type":"ExternalIP","address":"203.0.113.8"}]"#)
        let endpoints = LeaseWorkloadBuilder.endpoints(service: try liveService(), serviceType: .nodePort, nodeAddresses: nodeAddresses)
        XCTAssertEqual(endpoints, [
            LeaseEndpoint(name: "http", host: "203.0.113.7", port: 30080, protocol: .tcp),
            LeaseEndpoint(name: "udp-9000", host: "203.0.113.7", port: 31900, protocol: .udp),
        ])
        XCTAssertEqual(endpoints.first?.address, "203.0.113.7:30080")
    }

    func testNodePortFallsBackToInternalIPThenHostname() throws {
        let internalOnly = try addresses(#"[{"type":"Hostname","address":"node-a"},{"type":"InternalIP","address":"192.168.1.20"}]"#)
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: try liveService(), serviceType: .nodePort, nodeAddresses: internalOnly).map(\.host),
                       ["192.168.1.20", "192.168.1.20"])
        let hostname = try addresses(#"[{"type":"Hostname","address":"node-a.example.net"}]"#)
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: try liveService(), serviceType: .nodePort, nodeAddresses: hostname).map(\.address),
                       ["node-a.example.net:30080", "node-a.example.net:31900"])
        let emptyExternal = try addresses(#"[{"type":"ExternalIP","address":""},{"type":"InternalIP","address":"10.1.2.3"}]"#)
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: try liveService(), serviceType: .nodePort, nodeAddresses: emptyExternal).first?.host,
                       "10.1.2.3")
    }

    func testNodePortIPv6AddressIsBracketedInTheSummary() throws {
        let nodeAddresses = try addresses(#"[{"type":"ExternalIP","address":"2001:db8::7"}]"#)
        let endpoints = LeaseWorkloadBuilder.endpoints(service: try liveService(), serviceType: .nodePort, nodeAddresses: nodeAddresses)
        XCTAssertEqual(endpoints.first?.address, "[2001:db8::7]:30080")
    }

    func testNodePortNothingWithoutANodeOrBeforeAllocation() throws {
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: try liveService(), serviceType: .nodePort, nodeAddresses: []), [],
                       "Pod not scheduled yet")
        let nodeAddresses = try addresses(#"[{"type":"ExternalIP","address":"203.0.113.7"}]"#)
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: try liveService(nodePorts: [nil, nil]), serviceType: .nodePort,
                                                      nodeAddresses: nodeAddresses), [])
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: try liveService(nodePorts: [nil, 31900]), serviceType: .nodePort,
                                                      nodeAddresses: nodeAddresses).map(\.port), [31900])
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: nil, serviceType: .nodePort, nodeAddresses: nodeAddresses), [])
    }

    func testLoadBalancerUsesTheIngressWithTheServicePort() throws {
        let service = try liveService(type: "LoadBalancer", ingress: #"[{"ip":"198.51.100.4"}]"#)
        let endpoints = LeaseWorkloadBuilder.endpoints(service: service, serviceType: .loadBalancer, nodeAddresses: [])
        XCTAssertEqual(endpoints, [
            LeaseEndpoint(name: "http", host: "198.51.100.4", port: 8080, protocol: .tcp),
            LeaseEndpoint(name: "udp-9000", host: "198.51.100.4", port: 9000, protocol: .udp),
        ])
    }

    func testLoadBalancerHostnameAndSeveralIngresses() throws {
        let service = try liveService(type: "LoadBalancer", ingress: #"[{"hostname":"lb-1.elb.example.com"},{"ip":"2001:db8::1"},{}]"#)
        let endpoints = LeaseWorkloadBuilder.endpoints(service: service, serviceType: .loadBalancer, nodeAddresses: [])
        XCTAssertEqual(endpoints.map(\.address), [
            "lb-1.elb.example.com:8080", "[2001:db8::1]:8080", "lb-1.elb.example.com:9000", "[2001:db8::1]:9000",
        ], "port by port, so the first endpoint is the first port; an empty ingress entry is skipped")
    }

    func testLoadBalancerIPWinsOverHostname() throws {
        let service = try liveService(type: "LoadBalancer", ingress: #"[{"ip":"198.51.100.4","hostname":"lb.example.com"}]"#)
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: service, serviceType: .loadBalancer, nodeAddresses: []).first?.host,
                       "198.51.100.4")
    }

    func testLoadBalancerNothingUntilAssigned() throws {
        let nodeAddresses = try addresses(#"[{"type":"ExternalIP","address":"203.0.113.7"}]"#)
        let pending = try liveService(type: "LoadBalancer")
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: pending, serviceType: .loadBalancer, nodeAddresses: nodeAddresses), [],
                       "no fallback to node ports: the provider chose load balancers")
        let emptyIngress = try liveService(type: "LoadBalancer", ingress: "[]")
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: emptyIngress, serviceType: .loadBalancer, nodeAddresses: []), [])
    }

    func testServiceWithoutPortsHasNoEndpoints() throws {
        let nodeAddresses = try addresses(#"[{"type":"ExternalIP","address":"203.0.113.7"}]"#)
        var service = try liveService()
        service.spec?.ports = []
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: service, serviceType: .nodePort, nodeAddresses: nodeAddresses), [])
        service.spec = nil
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: service, serviceType: .nodePort, nodeAddresses: nodeAddresses), [])
    }

    func testOddServicePortsAreHandledWithoutCrashing() throws {
        let nodeAddresses = try addresses(#"[{"type":"ExternalIP","address":"203.0.113.7"}]"#)
        let service = Service(metadata: ObjectMeta(name: "endpoints"), spec: Service.Spec(type: "NodePort", selector: nil, ports: [
            Service.Port(name: nil, protocol: nil, port: 80, targetPort: nil, nodePort: 30001),  // protocol defaults to TCP
            Service.Port(name: "sctp", protocol: "SCTP", port: 81, targetPort: 81, nodePort: 30002),  // not representable
            Service.Port(name: "Bad_Name", protocol: "UDP", port: 82, targetPort: 82, nodePort: 30003),  // name dropped
            Service.Port(name: "x", protocol: "TCP", port: 83, targetPort: 83, nodePort: 70000),  // impossible port
        ]))
        XCTAssertEqual(LeaseWorkloadBuilder.endpoints(service: service, serviceType: .nodePort, nodeAddresses: nodeAddresses), [
            LeaseEndpoint(name: nil, host: "203.0.113.7", port: 30001, protocol: .tcp),
            LeaseEndpoint(name: nil, host: "203.0.113.7", port: 30003, protocol: .udp),
        ])
    }

    func testEndpointsFitTheLeaseStatusSchema() throws {
        let nodeAddresses = try addresses(#"[{"type":"ExternalIP","address":"203.0.113.7"}]"#)
        var lease = F.cpuLease
        var status = ComputeLeaseStatus()
        status.setEndpoints(LeaseWorkloadBuilder.endpoints(service: try liveService(), serviceType: .nodePort, nodeAddresses: nodeAddresses))
        lease.status = status
        XCTAssertEqual(lease.violations(), [])
        XCTAssertEqual(lease.status?.primaryEndpoint, "203.0.113.7:30080")
    }
}
