/// Where the tenant reaches one of the lease's ports from outside the cluster.
public struct LeaseEndpoint: Codable, Sendable, Equatable {
    public var name: String?
    /// A node address (NodePort) or the load balancer's ingress IP or hostname.
    public var host: String
    public var port: Int
    public var `protocol`: PortProtocol

    public init(name: String? = nil, host: String, port: Int, protocol: PortProtocol = .tcp) {
        self.name = name
        self.host = host
        self.port = port
        self.protocol = `protocol`
    }

    /// "host:port", with brackets around IPv6 hosts.
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    static let schema = Schema.object("A reachable address of one of the lease's ports.", [
        .optional("name", .string("The port's name from spec.ports.").pattern(Patterns.portName).length(1...15)),
        .required("host", .string("A node address or the load balancer's IP or hostname.").length(1...253)),
        .required("port", .integer("The port to connect to (a NodePort or the load balancer port).").range(ComputeLimits.port)),
        .required("protocol", .oneOf(PortProtocol.self, "TCP or UDP.")),
    ])
}
