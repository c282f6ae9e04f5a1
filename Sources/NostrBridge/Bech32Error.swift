/// Why a bech32 string or NIP-19 entity was refused.
///
/// Equality compares only the kind of failure; the description carries the detail.
public struct Bech32Error: Error, CustomStringConvertible, Hashable, Sendable {
    private enum Code: Hashable, Sendable {
        case tooLong
        case tooShort
        case invalidCharacter
        case mixedCase
        case missingSeparator
        case invalidChecksum
        case invalidPadding
        case unexpectedPrefix
        case invalidDataLength
        case malformedTLV
        case missingField
        case invalidField
        case valueTooLong
    }

    private let code: Code
    private let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "Bech32Error: \(detail)" }

    public static func == (lhs: Bech32Error, rhs: Bech32Error) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public static let tooLong = Bech32Error(.tooLong, "bech32 string is longer than allowed")
    static func tooLong(_ length: Int, limit: Int) -> Bech32Error {
        Bech32Error(.tooLong, "bech32 string is \(length) characters, limit is \(limit)")
    }
    public static let tooShort = Bech32Error(.tooShort, "bech32 string is too short to hold a prefix and checksum")
    public static let invalidCharacter = Bech32Error(.invalidCharacter, "bech32 string contains a character outside the bech32 alphabet")
    public static let mixedCase = Bech32Error(.mixedCase, "bech32 string mixes upper and lower case")
    public static let missingSeparator = Bech32Error(.missingSeparator, "bech32 string has no '1' separating the prefix")
    public static let invalidChecksum = Bech32Error(.invalidChecksum, "bech32 checksum does not match")
    /// Leftover bits when regrouping 5-bit words into bytes are not zero, or more than 4.
    public static let invalidPadding = Bech32Error(.invalidPadding, "bech32 data has non-zero or excess padding bits")
    public static let unexpectedPrefix = Bech32Error(.unexpectedPrefix, "bech32 prefix is not the one expected")
    static func unexpectedPrefix(_ found: String, expected: String) -> Bech32Error {
        Bech32Error(.unexpectedPrefix, "bech32 prefix is '\(found)', expected \(expected)")
    }
    public static let invalidDataLength = Bech32Error(.invalidDataLength, "bech32 payload has the wrong length")
    static func invalidDataLength(_ length: Int, expected: Int) -> Bech32Error {
        Bech32Error(.invalidDataLength, "bech32 payload is \(length) bytes, expected \(expected)")
    }
    /// A TLV record runs past the end of the payload.
    public static let malformedTLV = Bech32Error(.malformedTLV, "NIP-19 TLV record is truncated")
    public static let missingField = Bech32Error(.missingField, "NIP-19 entity lacks a required TLV field")
    static func missingField(_ name: String) -> Bech32Error { Bech32Error(.missingField, "NIP-19 entity lacks its \(name)") }
    public static let invalidField = Bech32Error(.invalidField, "NIP-19 TLV field has an invalid value")
    static func invalidField(_ detail: String) -> Bech32Error { Bech32Error(.invalidField, "NIP-19 TLV field is invalid: \(detail)") }
    /// A TLV value longer than 255 bytes cannot be encoded.
    public static let valueTooLong = Bech32Error(.valueTooLong, "NIP-19 TLV value is longer than 255 bytes")
}
