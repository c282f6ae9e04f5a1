/// Names a Secret; the custom resources point at secrets instead of holding them, so keys never
/// appear in a ComputeLease or ComputeProvider (both readable by anyone who may list them).
public struct SecretReference: Codable, Sendable, Equatable {
    public var name: String
    public var namespace: String

    public init(name: String, namespace: String) {
        self.name = name
        self.namespace = namespace
    }

    static func schema(_ description: String) -> Schema {
        .object(description, [
            .required("name", .string("The Secret's name.").pattern(Patterns.dnsSubdomain).length(1...253)),
            .required("namespace", .string("The Secret's namespace.").pattern(Patterns.dnsLabel).length(1...63)),
        ])
    }
}
