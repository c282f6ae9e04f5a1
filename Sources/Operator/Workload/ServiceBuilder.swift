import KubeClient

/// The Service that makes the declared ports reachable from outside, as the provider chose
/// (NodePort or LoadBalancer). NodePorts are left for the apiserver to allocate: fixed ones would
/// collide between leases, and server-side apply keeps the allocated value since we never own it.
enum ServiceBuilder {
    static func build(_ lease: CheckedLease) -> Service? {
        guard !lease.ports.isEmpty else { return nil }
        let ports = lease.ports.map { port in
            Service.Port(name: port.name, protocol: port.protocol.rawValue, port: port.port, targetPort: port.port)
        }
        let spec = Service.Spec(
            type: lease.serviceType.rawValue, selector: LeaseLabels.workloadSelector(forLease: lease.name), ports: ports)
        return Service(metadata: lease.metadata(name: LeaseObjectNames.service), spec: spec)
    }
}
