/// NIP-19 bech32 entities: bare `npub`/`nsec`/`note` and the TLV forms `nprofile`/`nevent`/`naddr`.
///
/// These are for display and user input only; NIP-01 events and filters always carry hex.
public enum NIP19 {
    /// Anything a NIP-19 string can hold.
    public enum Entity: Sendable {
        case publicKey(PublicKey)
        case secretKey(SecretKey)
        /// A lower-case hex event id.
        case note(String)
        case profile(ProfilePointer)
        case event(EventPointer)
        case address(AddressPointer)
    }

    public static func encodeNpub(_ key: PublicKey) -> String {
        // A 32-byte payload always fits; the fallback only satisfies the type checker.
        (try? Bech32.encode(hrp: "npub", data: key.bytes)) ?? ""
    }

    /// The secret in bech32. As with `SecretKey.exportHex()`, call this only to show a user their own key.
    public static func encodeNsec(_ key: SecretKey) -> String {
        var secret = key.withUnsafeSecretBytes { Array($0) }
        defer { secureZero(&secret) }
        return (try? Bech32.encode(hrp: "nsec", data: secret)) ?? ""
    }

    /// Encodes a 64-digit hex event id.
    public static func encodeNote(eventID: String) throws(Bech32Error) -> String {
        guard let bytes = Hex.decode(eventID), bytes.count == 32 else { throw .invalidField("event id is not 64 hex digits") }
        return try Bech32.encode(hrp: "note", data: bytes)
    }

    public static func decodeNpub(_ text: String) throws(Bech32Error) -> PublicKey {
        try publicKey(from: payload(of: text, expecting: "npub", length: 32))
    }

    public static func decodeNsec(_ text: String) throws(Bech32Error) -> SecretKey {
        try secretKey(from: payload(of: text, expecting: "nsec", length: 32))
    }

    /// Returns the lower-case hex event id.
    public static func decodeNote(_ text: String) throws(Bech32Error) -> String {
        Hex.encode(try payload(of: text, expecting: "note", length: 32))
    }

    /// Decodes any supported entity, dispatching on the prefix.
    public static func decode(_ text: String) throws(Bech32Error) -> Entity {
        let (hrp, data) = try Bech32.decode(text)
        switch hrp {
        case "npub":
            try requireLength(data, 32)
            return .publicKey(try publicKey(from: data))
        case "nsec":
            try requireLength(data, 32)
            return .secretKey(try secretKey(from: data))
        case "note":
            try requireLength(data, 32)
            return .note(Hex.encode(data))
        case "nprofile": return .profile(try ProfilePointer(tlv: data))
        case "nevent": return .event(try EventPointer(tlv: data))
        case "naddr": return .address(try AddressPointer(tlv: data))
        default:
            throw .unexpectedPrefix(hrp, expected: "npub, nsec, note, nprofile, nevent or naddr")
        }
    }

    static func payload(of text: String, expecting hrp: String, length: Int? = nil) throws(Bech32Error) -> [UInt8] {
        let decoded = try Bech32.decode(text)
        guard decoded.hrp == hrp else { throw .unexpectedPrefix(decoded.hrp, expected: hrp) }
        if let length { try requireLength(decoded.data, length) }
        return decoded.data
    }

    static func requireLength(_ data: [UInt8], _ length: Int) throws(Bech32Error) {
        guard data.count == length else { throw .invalidDataLength(data.count, expected: length) }
    }

    static func secretKey(from bytes: [UInt8]) throws(Bech32Error) -> SecretKey {
        var bytes = bytes
        defer { secureZero(&bytes) }
        do {
            return try SecretKey(bytes: bytes)
        } catch {
            throw .invalidField("nsec is not a valid secret key")
        }
    }

    static func publicKey(from bytes: [UInt8]) throws(Bech32Error) -> PublicKey {
        do {
            return try PublicKey(bytes: bytes)
        } catch {
            throw .invalidField("not a secp256k1 public key")
        }
    }
}

extension PublicKey {
    /// The NIP-19 `npub` form.
    public var npub: String { NIP19.encodeNpub(self) }

    /// Parses an `npub`.
    public init(npub: String) throws(Bech32Error) {
        self = try NIP19.decodeNpub(npub)
    }
}
