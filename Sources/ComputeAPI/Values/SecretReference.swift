/// Names a Secret; the custom resources point at secrets instead of holding them, so keys never
/// appear in a ComputeLease or ComputeProvider (both readable by anyone who may list them).
public struct SecretReference: Codable, Sendable, Equatable {
    public var name: String
    public var namespace: String

    public init(name: String, namespace: String) {
        self.name = name
        self.namespace = namespace
    }

    static func schema(_ description: String, namePattern: String = Patterns.dnsSubdomain, nameDescription: String = "The Secret's name.") -> Schema {
        .object(description, [
            .required("name", .string(nameDescription).pattern(namePattern).length(1...253)),
            .required("namespace", .string("The Secret's namespace.").pattern(Patterns.dnsLabel).length(1...63)),
        ])
    }
}
