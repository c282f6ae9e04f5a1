/// A plain environment variable. Anything secret travels encrypted to the provider and lands in
/// the Secret named by `envSecretRef`; it never appears here, where any lease reader could see it.
public struct LeaseEnvVar: Codable, Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        value = try container.decodeIfPresent(String.self, forKey: .value) ?? ""
    }

    /// An empty value is left out, as Kubernetes' own EnvVar does; absent and empty mean the same.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        if !value.isEmpty { try container.encode(value, forKey: .value) }
    }

    private enum CodingKeys: String, CodingKey { case name, value }

    static let schema = Schema.object("A plain environment variable; never put secrets here, use envSecretRef.", [
        .required("name", .string("The variable's name.").pattern(Patterns.envVarName).length(1...256)),
        .optional("value", .string("The variable's value, visible to anyone who can read the lease; absent means empty.").maxLength(32_768)),
    ])
}
