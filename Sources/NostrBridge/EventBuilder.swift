import Crypto

/// Collects the fields of an event before signing.
///
/// ```swift
/// let event = try EventBuilder(kind: 1, content: "hello")
///     .tag("p", recipient.hex)
///     .sign(with: key)
/// ```
public struct EventBuilder: Sendable {
    public var kind: Int
    public var content: String
    public var tags: [[String]]
    /// `nil` stamps the time of signing.
    public var createdAt: Int64?

    public init(kind: Int, content: String = "", tags: [[String]] = [], createdAt: Int64? = nil) {
        self.kind = kind
        self.content = content
        self.tags = tags
        self.createdAt = createdAt
    }

    /// Appends the tag `[name, values...]`.
    public func tag(_ name: String, _ values: String...) -> EventBuilder {
        var copy = self
        copy.tags.append([name] + values)
        return copy
    }

    public func createdAt(_ timestamp: Int64) -> EventBuilder {
        var copy = self
        copy.createdAt = timestamp
        return copy
    }

    /// Computes the id and signs it. `auxiliaryRandomness` is for reproducing vectors only.
    public func sign(with key: SecretKey, auxiliaryRandomness: [UInt8]? = nil) throws(EventError) -> NostrEvent {
        guard (0...65535).contains(kind) else { throw .kindOutOfRange(kind) }
        let timestamp = createdAt ?? NostrEvent.currentTimestamp()
        guard timestamp >= 0 else { throw .createdAtNegative }
        let pubkey = key.publicKey.hex
        let serialization = NostrEvent.canonicalSerialization(
            pubkey: pubkey, createdAt: timestamp, kind: kind, tags: tags, content: content)
        return try NostrEvent.signed(
            serialization: serialization, pubkey: pubkey, createdAt: timestamp, kind: kind, tags: tags,
            content: content, key: key, auxiliaryRandomness: auxiliaryRandomness)
    }
}

extension NostrEvent {
    /// Builds and signs an event; `createdAt` defaults to now.
    public static func sign(
        kind: Int, tags: [[String]] = [], content: String, createdAt: Int64? = nil, with key: SecretKey
    ) throws(EventError) -> NostrEvent {
        try EventBuilder(kind: kind, content: content, tags: tags, createdAt: createdAt).sign(with: key)
    }

    /// Shared by the builder and the NIP-13 miner, which already holds the serialization.
    static func signed(
        serialization: [UInt8], pubkey: String, createdAt: Int64, kind: Int, tags: [[String]], content: String,
        key: SecretKey, auxiliaryRandomness: [UInt8]? = nil
    ) throws(EventError) -> NostrEvent {
        let idBytes = Array(SHA256.hash(data: serialization))
        let signature: [UInt8]
        do {
            signature = try key.sign(idBytes, auxiliaryRandomness: auxiliaryRandomness)
        } catch {
            throw .signingFailed
        }
        return NostrEvent(
            id: Hex.encode(idBytes), pubkey: pubkey, createdAt: createdAt, kind: kind, tags: tags,
            content: content, sig: Hex.encode(signature))
    }
}
