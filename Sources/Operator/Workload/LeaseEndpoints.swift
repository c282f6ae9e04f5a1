import ComputeAPI
import KubeClient

extension LeaseWorkloadBuilder {
    /// Endpoints the tenant can reach, from the live Service, the Pod's node and that node's addresses.
    ///
    /// NodePort: each port's node port on the node that runs the Pod, at its ExternalIP, else its
    /// InternalIP (clusters on a LAN or behind port forwarding), else its hostname. LoadBalancer:
    /// each port's Service port at each ingress address (ip, else hostname). Ports are in the
    /// Service's order, so the first endpoint is the lease's first port. Empty while nothing is
    /// assigned yet (no node port, no node address, no ingress), never a guess.
    public static func endpoints(service: Service?, serviceType: EndpointServiceType, nodeAddresses: [Node.Address]) -> [LeaseEndpoint] {
        guard let ports = service?.spec?.ports, !ports.isEmpty else { return [] }
        switch serviceType {
        case .nodePort:
            guard let host = nodeHost(nodeAddresses) else { return [] }
            return ports.compactMap { port in
                guard let nodePort = port.nodePort else { return nil }
                return endpoint(port, host: host, number: nodePort)
            }
        case .loadBalancer:
            let hosts = (service?.status?.loadBalancer?.ingress ?? []).compactMap { ingress in
                nonEmpty(ingress.ip) ?? nonEmpty(ingress.hostname)
            }
            return ports.flatMap { port in hosts.compactMap { endpoint(port, host: $0, number: port.port) } }
        }
    }

    static func nodeHost(_ addresses: [Node.Address]) -> String? {
        for type in ["ExternalIP", "InternalIP", "Hostname"] {
            if let address = addresses.first(where: { $0.type == type && !$0.address.isEmpty }) { return address.address }
        }
        return nil
    }

    /// Nil for what the lease status cannot carry: a protocol other than TCP or UDP (SCTP) or a
    /// port outside 1...65535. A name that is not a valid port name is dropped, not the endpoint.
    private static func endpoint(_ port: Service.Port, host: String, number: Int) -> LeaseEndpoint? {
        guard let proto = PortProtocol(rawValue: port.protocol ?? PortProtocol.tcp.rawValue), (1...65_535).contains(number) else {
            return nil
        }
        let name = port.name.flatMap { KubernetesNames.isPortName($0) ? $0 : nil }
        return LeaseEndpoint(name: name, host: host, port: number, protocol: proto)
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
