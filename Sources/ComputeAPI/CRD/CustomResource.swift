import KubeClient

/// A kind of ours: a Kubernetes resource that carries its own CRD description, and so can
/// check itself against the same rules the apiserver applies.
public protocol CustomResource: KubernetesResource {
    static var definition: CustomResourceDescription { get }

    /// Rules the schema cannot express (relations between fields). The apiserver does not
    /// enforce these; the operator does when it reconciles.
    func semanticViolations() -> [SchemaViolation]
}

extension CustomResource {
    public func semanticViolations() -> [SchemaViolation] { [] }

    /// Everything wrong with this object: what the apiserver would refuse, what it would
    /// silently drop, and what the operator would refuse. Empty means valid.
    public func violations() -> [SchemaViolation] {
        let json: OrderedJSON
        do {
            json = try OrderedJSON(encoding: self)
        } catch {
            return [SchemaViolation(path: "", message: "cannot be encoded: \(error)")]
        }
        return Self.definition.rootSchema.violations(of: json) + semanticViolations()
    }

    /// Throws `InvalidResource` listing every violation, so callers can refuse an object before sending it.
    public func validate() throws {
        let found = violations()
        if !found.isEmpty { throw InvalidResource(kind: Self.descriptor.kind, name: metadata.name, violations: found) }
    }
}

public struct InvalidResource: Error, CustomStringConvertible, Sendable {
    public var kind: String
    public var name: String?
    public var violations: [SchemaViolation]

    public var description: String {
        "\(kind) \(name ?? "<unnamed>") is invalid: " + violations.map(\.description).joined(separator: "; ")
    }
}
