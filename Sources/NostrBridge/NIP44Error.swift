/// Why a NIP-44 payload could not be produced or opened.
///
/// Equality compares only the kind of failure; the description carries the detail. The messages are
/// deliberately coarse: a decryption oracle should learn nothing beyond which check failed first.
public struct NIP44Error: Error, CustomStringConvertible, Hashable, Sendable {
    private enum Code: Hashable, Sendable {
        case unknownVersion
        case invalidPayloadLength
        case invalidBase64
        case invalidMAC
        case invalidPadding
        case invalidPlaintextLength
        case invalidPlaintextEncoding
        case invalidNonce
        case invalidConversationKey
        case keyAgreementFailed
        case cryptoFailure
    }

    private let code: Code
    private let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "NIP44Error: \(detail)" }

    public static func == (lhs: NIP44Error, rhs: NIP44Error) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The first byte is not 2, or the payload starts with `#` (reserved for non-base64 future versions).
    public static let unknownVersion = NIP44Error(.unknownVersion, "unknown encryption version")
    public static let invalidPayloadLength = NIP44Error(.invalidPayloadLength, "payload length is outside what version 2 can produce")
    public static let invalidBase64 = NIP44Error(.invalidBase64, "payload is not valid base64")
    public static let invalidMAC = NIP44Error(.invalidMAC, "message authentication code does not match")
    public static let invalidPadding = NIP44Error(.invalidPadding, "decrypted padding is malformed")
    /// Version 2 carries 1...65535 bytes of plaintext.
    public static let invalidPlaintextLength = NIP44Error(.invalidPlaintextLength, "plaintext must be 1...65535 bytes of UTF-8")
    public static let invalidPlaintextEncoding = NIP44Error(.invalidPlaintextEncoding, "decrypted plaintext is not valid UTF-8")
    public static let invalidNonce = NIP44Error(.invalidNonce, "nonce must be 32 bytes")
    public static let invalidConversationKey = NIP44Error(.invalidConversationKey, "conversation key must be 32 bytes")
    public static let keyAgreementFailed = NIP44Error(.keyAgreementFailed, "ECDH key agreement failed")
    /// The underlying primitive (ChaCha20, HKDF) rejected its input; not reachable with valid lengths.
    public static let cryptoFailure = NIP44Error(.cryptoFailure, "cryptographic primitive failed")
}
