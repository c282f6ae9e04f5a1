import Foundation

/// The patch flavours the apiserver accepts, each with its own content type.
public enum Patch: Sendable {
    /// RFC 7386: a partial object; `null` deletes a field.
    case merge([UInt8])
    /// RFC 6902 operations, applied atomically; a failing `test` rejects the whole patch.
    case json([JSONPatchOperation])
    /// Server-side apply: the full intent of one field manager.
    case apply([UInt8], fieldManager: String, force: Bool)

    var contentType: String {
        switch self {
        case .merge: return "application/merge-patch+json"
        case .json: return "application/json-patch+json"
        case .apply: return "application/apply-patch+yaml"
        }
    }

    var query: [(String, String)] {
        if case let .apply(_, fieldManager, force) = self {
            return [("fieldManager", fieldManager), ("force", force ? "true" : "false")]
        }
        return []
    }

    func body() throws -> [UInt8] {
        switch self {
        case let .merge(bytes), let .apply(bytes, _, _): return bytes
        case let .json(operations): return Array(try KubeJSON.encoder.encode(operations))
        }
    }

    /// A merge patch from any Encodable (nil optionals are omitted, so they do not delete).
    public static func merge<T: Encodable>(encoding value: T) throws -> Patch {
        .merge(Array(try KubeJSON.encoder.encode(value)))
    }

    /// Server-side apply of a typed object (JSON is valid YAML).
    public static func apply<T: Encodable>(encoding value: T, fieldManager: String, force: Bool = false) throws -> Patch {
        .apply(Array(try KubeJSON.encoder.encode(value)), fieldManager: fieldManager, force: force)
    }
}

/// One RFC 6902 operation; `value` is raw JSON so any type can be written or tested.
public struct JSONPatchOperation: Encodable, Sendable {
    public enum Op: String, Encodable, Sendable { case add, remove, replace, move, copy, test }
    public var op: Op
    public var path: String
    public var from: String?
    public var value: RawJSON?

    public init(op: Op, path: String, from: String? = nil, value: RawJSON? = nil) {
        self.op = op
        self.path = path
        self.from = from
        self.value = value
    }

    public static func test<T: Encodable>(_ path: String, _ value: T) throws -> Self {
        .init(op: .test, path: path, value: try RawJSON(value))
    }

    public static func replace<T: Encodable>(_ path: String, _ value: T) throws -> Self {
        .init(op: .replace, path: path, value: try RawJSON(value))
    }

    public static func add<T: Encodable>(_ path: String, _ value: T) throws -> Self {
        .init(op: .add, path: path, value: try RawJSON(value))
    }

    public static func remove(_ path: String) -> Self { .init(op: .remove, path: path) }

    /// Escapes a map key for use as one JSON-pointer segment (RFC 6901).
    public static func pointerSegment(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}

/// Already-encoded JSON, embedded verbatim when encoded.
public struct RawJSON: Encodable, Sendable {
    let json: JSONValue

    public init<T: Encodable>(_ value: T) throws {
        json = try JSONDecoder().decode(JSONValue.self, from: KubeJSON.encoder.encode(value))
    }

    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }
}
