/// A port the tenant's container listens on; the operator exposes it through a Service.
public struct LeasePort: Codable, Sendable, Equatable {
    public var port: Int
    public var `protocol`: PortProtocol
    public var name: String?

    public init(port: Int, protocol: PortProtocol = ComputeDefaults.portProtocol, name: String? = nil) {
        self.port = port
        self.protocol = `protocol`
        self.name = name
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        port = try container.decode(Int.self, forKey: .port)
        `protocol` = try container.decodeIfPresent(PortProtocol.self, forKey: .protocol) ?? ComputeDefaults.portProtocol
        name = try container.decodeIfPresent(String.self, forKey: .name)
    }

    static let schema = Schema.object("A port the container listens on, exposed to the tenant.", [
        .required("port", .integer("The container port.").range(ComputeLimits.port)),
        .optional("protocol", .oneOf(PortProtocol.self, "TCP or UDP.").defaulting(.string(ComputeDefaults.portProtocol.rawValue))),
        .optional("name", .string("An IANA service name for the port, e.g. ssh or jupyter.")
            .pattern(Patterns.portName).length(1...15)),
    ])
}

public enum PortProtocol: String, Codable, Sendable, CaseIterable {
    case tcp = "TCP"
    case udp = "UDP"
}
