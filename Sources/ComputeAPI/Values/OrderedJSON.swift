import Foundation

/// A JSON value whose objects keep their keys in the order they were written.
///
/// The schema, the CRD documents and the YAML rendered from them are built from this, so the
/// generated files are byte-stable and read in a deliberate order (description first, then type,
/// then properties) rather than in hash order. Integers stay integers: millisatoshi amounts
/// exceed the 2^53 a Double holds exactly.
public enum OrderedJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    public static func == (lhs: OrderedJSON, rhs: OrderedJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.integer(a), .number(b)), let (.number(b), .integer(a)): return Double(a) == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        // Objects compare as JSON does: the same members, in any order.
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            let right = Dictionary(b, uniquingKeysWith: { first, _ in first })
            return a.allSatisfy { key, value in right[key] == value }
        default: return false
        }
    }

    public subscript(key: String) -> OrderedJSON? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// Replaces or appends one member; no effect unless this is an object.
    public mutating func set(_ key: String, _ value: OrderedJSON) {
        guard case var .object(members) = self else { return }
        if let index = members.firstIndex(where: { $0.0 == key }) {
            members[index].1 = value
        } else {
            members.append((key, value))
        }
        self = .object(members)
    }

    /// A short name of the JSON type, as the apiserver uses in its messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

// MARK: Literals, so schema defaults and documents read naturally in Swift.

extension OrderedJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: OrderedJSON...) { self = .array(elements) }
    /// Dictionary literals keep their written order, unlike Swift dictionaries.
    public init(dictionaryLiteral elements: (String, OrderedJSON)...) { self = .object(elements) }
    public init(nilLiteral: ()) { self = .null }
}

// MARK: Conversion from and to Codable values

extension OrderedJSON: Decodable {
    /// Decoded keys come back sorted: JSON decoders do not report the order they read.
    public init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var items: [OrderedJSON] = []
            while !array.isAtEnd { items.append(try array.decode(OrderedJSON.self)) }
            self = .array(items)
            return
        }
        if let object = try? decoder.container(keyedBy: AnyKey.self) {
            self = .object(try object.allKeys.map(\.stringValue).sorted().map { key in
                (key, try object.decode(OrderedJSON.self, forKey: AnyKey(key)))
            })
            return
        }
        let value = try decoder.singleValueContainer()
        if value.decodeNil() {
            self = .null
        } else if let bool = try? value.decode(Bool.self) {
            self = .bool(bool)
        } else if let integer = try? value.decode(Int64.self) {
            self = .integer(integer)
        } else if let number = try? value.decode(Double.self) {
            self = .number(number)
        } else {
            self = .string(try value.decode(String.self))
        }
    }
}

/// A coding key for arbitrary member names.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

extension OrderedJSON {
    /// The JSON form of any Encodable, as `JSONEncoder` writes it (so exactly what goes on the wire).
    /// Key order follows the encoder's output with sorted keys, which is stable across runs.
    public init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try self.init(jsonData: encoder.encode(value))
    }

    public init(jsonData: Data) throws {
        self = try JSONDecoder().decode(OrderedJSON.self, from: jsonData)
    }

    /// Compact JSON text, keys in this value's order.
    public func jsonText() -> String {
        switch self {
        case .null: return "null"
        case let .bool(value): return value ? "true" : "false"
        case let .integer(value): return String(value)
        case let .number(value): return String(value)
        case let .string(value): return Self.quoted(value)
        case let .array(items): return "[" + items.map { $0.jsonText() }.joined(separator: ",") + "]"
        case let .object(members):
            return "{" + members.map { Self.quoted($0.0) + ":" + $0.1.jsonText() }.joined(separator: ",") + "}"
        }
    }

    public func jsonData() -> Data { Data(jsonText().utf8) }

    /// Decodes this value into a Codable type, the way the Kubernetes client would decode it off the wire.
    public func decode<T: Decodable>(_: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: jsonData())
    }

    private static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
