/// Where the tenant reaches one of the lease's ports: `["endpoint", host, port, protocol, name?]`.
public struct ComputeEndpoint: Sendable, Hashable {
    /// An IP address or DNS name.
    public var host: String
    /// The port to connect to (a NodePort or a load balancer port), not necessarily the container's.
    public var port: Int
    public var `protocol`: ComputePortProtocol
    /// The name of the requested port it leads to, when it had one.
    public var name: String?

    public init(host: String, port: Int, protocol: ComputePortProtocol = .tcp, name: String? = nil) {
        self.host = host
        self.port = port
        self.protocol = `protocol`
        self.name = name
    }

    var tag: [String] {
        [ComputeTag.endpoint, host, String(port), `protocol`.rawValue] + (name.map { [$0] } ?? [])
    }

    init(tag: [String]) throws(ComputeEventError) {
        guard tag.count >= 4, !tag[1].isEmpty, let port = ComputeTagValues.int(tag[2]), ComputeWireLimits.port.contains(port),
              let proto = ComputePortProtocol(rawValue: tag[3]) else {
            throw .invalidTag(ComputeTag.endpoint, "expected [\"endpoint\", host, port 1-65535, tcp|udp, name?]")
        }
        self.init(host: tag[1], port: port, protocol: proto, name: tag.count >= 5 && !tag[4].isEmpty ? tag[4] : nil)
    }
}
