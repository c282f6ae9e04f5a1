import Yams

extension OrderedJSON {
    /// Block-style YAML that kubectl (go-yaml, YAML 1.1) reads back as exactly this value.
    public func yaml() throws -> String {
        try Yams.serialize(node: node(), indent: 2, width: -1, allowUnicode: true)
    }

    func node() -> Node {
        switch self {
        case .null: return Node("null", Tag(.null))
        case let .bool(value): return Node(value ? "true" : "false", Tag(.bool))
        case let .integer(value): return Node(String(value), Tag(.int))
        case let .number(value): return Node(String(value), Tag(.float))
        case let .string(value): return Self.stringNode(value)
        case let .array(items): return Node(items.map { $0.node() }, Tag(.seq), .block)
        case let .object(members):
            return Node(members.map { (Self.stringNode($0.0), $0.1.node()) }, Tag(.map), .block)
        }
    }

    /// Quotes a string whenever a YAML 1.1 reader would take its plain form for something else:
    /// Yams knows numbers, null and most booleans; go-yaml also reads y/n as booleans.
    private static func stringNode(_ value: String) -> Node {
        if value.contains("\n") { return Node(value, Tag(.str), .literal) }
        // Yams' own representation quotes exactly when its resolver would misread the plain form.
        let ambiguous = value.represented().style == .singleQuoted || yaml11Booleans.contains(value) || value.isEmpty
        return Node(value, Tag(.str), ambiguous ? .singleQuoted : .any)
    }

    private static let yaml11Booleans: Set<String> = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF",
    ]
}
