import Foundation

/// A Nostr event as NIP-01 defines it. Fields hold exactly what is on the wire;
/// `NostrEvent.validate()` (EventValidation.swift) says whether it can be trusted.
public struct NostrEvent: Codable, Sendable, Hashable {
    /// 32-byte sha256 of the canonical serialization, lower-case hex.
    public var id: String
    /// 32-byte x-only public key, lower-case hex.
    public var pubkey: String
    /// Unix seconds.
    public var createdAt: Int64
    public var kind: Int
    public var tags: [[String]]
    public var content: String
    /// 64-byte BIP-340 signature of `id`, lower-case hex.
    public var sig: String

    enum CodingKeys: String, CodingKey {
        case id, pubkey, kind, tags, content, sig
        case createdAt = "created_at"
    }

    public init(id: String, pubkey: String, createdAt: Int64, kind: Int, tags: [[String]], content: String, sig: String) {
        self.id = id
        self.pubkey = pubkey
        self.createdAt = createdAt
        self.kind = kind
        self.tags = tags
        self.content = content
        self.sig = sig
    }
}
