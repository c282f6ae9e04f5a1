import ComputeAPI

/// A declared port with the name the Pod, the Service, the NetworkPolicy and the lease's endpoints
/// all use for it.
struct WorkloadPort: Equatable, Sendable {
    var name: String
    var port: Int
    var `protocol`: PortProtocol

    /// The lease's ports in the lease's order (the first is the tenant's primary endpoint), named.
    ///
    /// Unnamed ports are called `<protocol>-<port>` ("tcp-8080"): at most 9 characters, always a
    /// valid IANA service name, and unique because a port and protocol may be declared only once.
    /// A name the tenant chose is kept, but refused if the Service would refuse it.
    static func named(_ ports: [LeasePort]?) throws(WorkloadBuildError) -> [WorkloadPort] {
        var seenPorts: Set<String> = []
        var seenNames: Set<String> = []
        var result: [WorkloadPort] = []
        for declared in ports ?? [] {
            guard (1...65_535).contains(declared.port) else { throw .invalidPort(declared.port) }
            guard seenPorts.insert("\(declared.port)/\(declared.protocol.rawValue)").inserted else {
                throw .duplicatePort(declared.port, protocol: declared.protocol.rawValue)
            }
            let name = declared.name ?? derivedName(port: declared.port, protocol: declared.protocol)
            guard KubernetesNames.isPortName(name) else { throw .invalidPortName(name) }
            guard seenNames.insert(name).inserted else { throw .duplicatePortName(name) }
            result.append(WorkloadPort(name: name, port: declared.port, protocol: declared.protocol))
        }
        return result
    }

    static func derivedName(port: Int, protocol: PortProtocol) -> String {
        "\(`protocol`.rawValue.lowercased())-\(port)"
    }
}
