import CSecp256k1

/// A BIP-340 x-only public key, as Nostr uses for `pubkey` and `p` tags.
///
/// Every instance holds the x coordinate of a real secp256k1 point: the initializers refuse
/// anything else, so code that holds a `PublicKey` never has to re-check it.
public struct PublicKey: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The 32-byte x coordinate.
    public let bytes: [UInt8]

    /// Accepts 32 bytes that are the x coordinate of a curve point.
    public init<Bytes: Collection>(bytes: Bytes) throws(KeyError) where Bytes.Element == UInt8 {
        guard bytes.count == 32 else { throw .wrongLength }
        let candidate = Array(bytes)
        guard Self.parse(candidate) != nil else { throw .invalidPublicKey }
        self.bytes = candidate
    }

    /// Accepts 64 hex digits. Upper case is tolerated on import; output is always lower case.
    public init(hex: String) throws(KeyError) {
        guard hex.utf8.count == 64 else { throw .wrongLength }
        guard let decoded = Hex.decode(hex) else { throw .invalidHex }
        try self.init(bytes: decoded)
    }

    /// For bytes that libsecp256k1 itself just produced.
    init(trustedBytes: [UInt8]) {
        self.bytes = trustedBytes
    }

    /// Lower-case hex, the form NIP-01 puts on the wire.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    public static func < (lhs: PublicKey, rhs: PublicKey) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(hex: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    /// The parsed form libsecp256k1 verifies against; nil when `x` has no point on the curve.
    static func parse(_ x: [UInt8]) -> secp256k1_xonly_pubkey? {
        var parsed = secp256k1_xonly_pubkey()
        guard x.count == 32,
              secp256k1_xonly_pubkey_parse(Secp256k1Context.shared.pointer, &parsed, x) == 1
        else { return nil }
        return parsed
    }
}
