import Crypto
import Foundation

extension NostrEvent {
    /// The exact bytes whose sha256 is the event id: `[0,<pubkey>,<created_at>,<kind>,<tags>,<content>]`
    /// with no whitespace and NIP-01 string escaping.
    public static func canonicalSerialization(
        pubkey: String, createdAt: Int64, kind: Int, tags: [[String]], content: String
    ) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(96 + content.utf8.count)
        out.append(contentsOf: Array("[0,".utf8))
        CanonicalJSON.appendString(pubkey, to: &out)
        out.append(UInt8(ascii: ","))
        CanonicalJSON.appendInteger(createdAt, to: &out)
        out.append(UInt8(ascii: ","))
        CanonicalJSON.appendInteger(kind, to: &out)
        out.append(UInt8(ascii: ","))
        CanonicalJSON.appendTags(tags, to: &out)
        out.append(UInt8(ascii: ","))
        CanonicalJSON.appendString(content, to: &out)
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// The id NIP-01 assigns to these fields: lower-case hex sha256 of the canonical serialization.
    public static func computeID(pubkey: String, createdAt: Int64, kind: Int, tags: [[String]], content: String) -> String {
        let bytes = canonicalSerialization(pubkey: pubkey, createdAt: createdAt, kind: kind, tags: tags, content: content)
        return Hex.encode(SHA256.hash(data: bytes))
    }

    /// This event's canonical serialization (independent of its `id` and `sig` fields).
    public var canonicalSerialization: [UInt8] {
        Self.canonicalSerialization(pubkey: pubkey, createdAt: createdAt, kind: kind, tags: tags, content: content)
    }

    /// The id this event's fields hash to; equals `id` for a well-formed event.
    public func computedID() -> String {
        Self.computeID(pubkey: pubkey, createdAt: createdAt, kind: kind, tags: tags, content: content)
    }

    /// The full event as compact JSON, fields in NIP-01 order, strings escaped as for the id. Use
    /// this on the wire: `JSONEncoder` would escape `/` and may reorder keys.
    public func jsonBytes() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(320 + content.utf8.count)
        out.append(contentsOf: Array("{\"id\":".utf8))
        CanonicalJSON.appendString(id, to: &out)
        out.append(contentsOf: Array(",\"pubkey\":".utf8))
        CanonicalJSON.appendString(pubkey, to: &out)
        out.append(contentsOf: Array(",\"created_at\":".utf8))
        CanonicalJSON.appendInteger(createdAt, to: &out)
        out.append(contentsOf: Array(",\"kind\":".utf8))
        CanonicalJSON.appendInteger(kind, to: &out)
        out.append(contentsOf: Array(",\"tags\":".utf8))
        CanonicalJSON.appendTags(tags, to: &out)
        out.append(contentsOf: Array(",\"content\":".utf8))
        CanonicalJSON.appendString(content, to: &out)
        out.append(contentsOf: Array(",\"sig\":".utf8))
        CanonicalJSON.appendString(sig, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `jsonBytes()` as a String.
    public func jsonString() -> String {
        String(decoding: jsonBytes(), as: UTF8.self)
    }

    /// Decodes one event object. Only checks shape and types; call `validate()` before trusting it.
    public static func decode(json: String) throws(EventError) -> NostrEvent {
        try decode(json: Data(json.utf8))
    }

    /// Decodes one event object. Only checks shape and types; call `validate()` before trusting it.
    public static func decode(json: Data) throws(EventError) -> NostrEvent {
        do {
            return try JSONDecoder().decode(NostrEvent.self, from: json)
        } catch let error as DecodingError {
            throw .malformedJSON(Self.summary(of: error))
        } catch {
            throw .malformedJSON(String(describing: type(of: error)))
        }
    }

    /// A one-line reason that names the offending field without echoing attacker-chosen data at length.
    private static func summary(of error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let joined = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return joined.isEmpty ? "top level" : joined
        }
        switch error {
        case .keyNotFound(let key, _): return "missing field \(key.stringValue)"
        case .typeMismatch(_, let context): return "wrong type at \(path(context))"
        case .valueNotFound(_, let context): return "null at \(path(context))"
        case .dataCorrupted(let context): return "invalid JSON at \(path(context))"
        @unknown default: return "undecodable"
        }
    }
}
