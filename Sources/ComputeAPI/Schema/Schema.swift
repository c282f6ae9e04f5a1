/// A node of a structural OpenAPI v3 schema, the subset `apiextensions.k8s.io/v1` accepts.
///
/// The custom resources describe themselves with this (each type's `schema` sits next to its
/// properties), the CRD YAML is rendered from it, and the same description validates and
/// defaults objects in Swift, so the apiserver and the operator enforce one set of rules.
///
/// Build nodes with the static constructors (`.object`, `.string`, `.integer`, ...) and refine
/// them with the modifiers (`.pattern`, `.range`, `.defaulting`, ...); each returns a copy.
public struct Schema: Sendable, Equatable {
    public enum JSONType: String, Sendable {
        case object, array, string, integer, number, boolean
    }

    /// How a list merges under server-side apply (`x-kubernetes-list-type`).
    public enum ListType: String, Sendable {
        /// Replaced as a whole.
        case atomic
        /// Scalars, each present once.
        case set
        /// Objects identified by `listMapKeys`, each merged on its own.
        case map
    }

    /// One member of an object schema; the order they are declared in is the order they are documented in.
    public struct Property: Sendable, Equatable {
        public var name: String
        public var schema: Schema
        public var isRequired: Bool

        public init(name: String, schema: Schema, isRequired: Bool) {
            self.name = name
            self.schema = schema
            self.isRequired = isRequired
        }
    }

    /// nil only for int-or-string nodes, which structural schemas leave untyped.
    public var type: JSONType?
    public var description: String
    public var format: String?
    public var properties: [Property] = []
    /// Arrays hold their element schema here; a one-element array because structs cannot nest directly.
    private var itemSchemas: [Schema] = []
    private var valueSchemas: [Schema] = []
    public var enumValues: [OrderedJSON]?
    public var defaultValue: OrderedJSON?
    public var pattern: String?
    public var minimum: Int64?
    public var maximum: Int64?
    public var minLength: Int?
    public var maxLength: Int?
    public var minItems: Int?
    public var maxItems: Int?
    public var minProperties: Int?
    public var maxProperties: Int?
    /// `x-kubernetes-int-or-string`: Kubernetes quantities may be written as `2` or `"2"`.
    public var intOrString = false
    public var listType: ListType?
    public var listMapKeys: [String]?
    /// `x-kubernetes-map-type: atomic`: server-side apply replaces the object whole, so its one
    /// writer's latest value is all of it (nothing a former writer set lingers inside).
    public var isAtomicObject = false

    public init(type: JSONType?, description: String) {
        self.type = type
        self.description = description
    }

    /// The element schema of an array.
    public var items: Schema? {
        get { itemSchemas.first }
        set { itemSchemas = newValue.map { [$0] } ?? [] }
    }

    /// The value schema of a map (`additionalProperties`).
    public var additionalProperties: Schema? {
        get { valueSchemas.first }
        set { valueSchemas = newValue.map { [$0] } ?? [] }
    }

    public var requiredNames: [String] { properties.filter(\.isRequired).map(\.name) }

    public func property(_ name: String) -> Schema? {
        properties.first { $0.name == name }?.schema
    }
}

// MARK: Constructors

extension Schema {
    public static func object(_ description: String, _ properties: [Property]) -> Schema {
        var schema = Schema(type: .object, description: description)
        schema.properties = properties
        return schema
    }

    public static func string(_ description: String) -> Schema {
        Schema(type: .string, description: description)
    }

    public static func integer(_ description: String) -> Schema {
        var schema = Schema(type: .integer, description: description)
        schema.format = "int64"
        return schema
    }

    public static func boolean(_ description: String) -> Schema {
        Schema(type: .boolean, description: description)
    }

    public static func array(of items: Schema, _ description: String) -> Schema {
        var schema = Schema(type: .array, description: description)
        schema.items = items
        return schema
    }

    /// An object with arbitrary keys whose values all follow `values`.
    public static func map(of values: Schema, _ description: String) -> Schema {
        var schema = Schema(type: .object, description: description)
        schema.additionalProperties = values
        return schema
    }

    /// A string limited to the raw values of a Swift enum, so the Swift cases and the schema cannot disagree.
    public static func oneOf<E: CaseIterable & RawRepresentable>(_: E.Type, _ description: String) -> Schema where E.RawValue == String {
        var schema = Schema.string(description)
        schema.enumValues = E.allCases.map { .string($0.rawValue) }
        return schema
    }

    /// RFC 3339 time, as `metav1.Time` writes it.
    public static func dateTime(_ description: String) -> Schema {
        var schema = Schema.string(description)
        schema.format = "date-time"
        return schema
    }

    /// A Kubernetes resource quantity ("500m", "2", "16Gi"), integer or string on input.
    public static func quantity(_ description: String) -> Schema {
        var schema = Schema(type: nil, description: description)
        schema.intOrString = true
        schema.pattern = Patterns.quantity
        // The pattern only sees strings; this keeps integers from being negative too.
        schema.minimum = 0
        return schema
    }

    /// A Kubernetes resource quantity written as a string only: for objects the operator writes
    /// and applies its status to. A 1.20 apiserver builds no server-side apply model for a CRD
    /// with an int-or-string field, and then merges each list of its status as one value, so the
    /// status owners' conditions would replace each other.
    public static func quantityString(_ description: String) -> Schema {
        var schema = Schema.string(description)
        schema.pattern = Patterns.quantity
        return schema
    }
}

// MARK: Properties

extension Schema.Property {
    /// A member the apiserver insists on.
    public static func required(_ name: String, _ schema: Schema) -> Self {
        Self(name: name, schema: schema, isRequired: true)
    }

    /// A member that may be absent (or is filled in by its `default`).
    public static func optional(_ name: String, _ schema: Schema) -> Self {
        Self(name: name, schema: schema, isRequired: false)
    }
}

// MARK: Modifiers

extension Schema {
    private func with(_ change: (inout Schema) -> Void) -> Schema {
        var copy = self
        change(&copy)
        return copy
    }

    /// The same schema documented differently where it is used.
    public func described(_ description: String) -> Schema { with { $0.description = description } }

    /// An RE2/ECMA-compatible regular expression; anchor it, the apiserver does not.
    public func pattern(_ pattern: String) -> Schema { with { $0.pattern = pattern } }

    public func range(_ bounds: ClosedRange<Int64>) -> Schema {
        with {
            $0.minimum = bounds.lowerBound
            $0.maximum = bounds.upperBound
        }
    }

    public func minimum(_ value: Int64) -> Schema { with { $0.minimum = value } }

    public func length(_ bounds: ClosedRange<Int>) -> Schema {
        with {
            $0.minLength = bounds.lowerBound
            $0.maxLength = bounds.upperBound
        }
    }

    public func maxLength(_ value: Int) -> Schema { with { $0.maxLength = value } }

    public func count(_ bounds: ClosedRange<Int>) -> Schema {
        with {
            $0.minItems = bounds.lowerBound
            $0.maxItems = bounds.upperBound
        }
    }

    public func maxItems(_ value: Int) -> Schema { with { $0.maxItems = value } }

    /// Bounds on how many members an object has; `1...` style "at least one of" checks.
    public func memberCount(_ bounds: ClosedRange<Int>) -> Schema {
        with {
            $0.minProperties = bounds.lowerBound
            $0.maxProperties = bounds.upperBound
        }
    }

    /// The value the apiserver fills in when the field is absent (and the Swift decoder too).
    public func defaulting(_ value: OrderedJSON) -> Schema { with { $0.defaultValue = value } }

    public func format(_ format: String) -> Schema { with { $0.format = format } }

    /// A list of objects keyed by `keys` for server-side apply; the apiserver also refuses duplicate keys.
    public func listMap(keys: [String]) -> Schema {
        with {
            $0.listType = .map
            $0.listMapKeys = keys
        }
    }

    public func listSet() -> Schema { with { $0.listType = .set } }

    public func listAtomic() -> Schema { with { $0.listType = .atomic } }

    public func objectAtomic() -> Schema { with { $0.isAtomicObject = true } }
}
