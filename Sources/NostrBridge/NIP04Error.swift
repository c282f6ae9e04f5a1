/// Why a NIP-04 payload could not be produced or opened.
///
/// Equality compares only the kind of failure; the description carries the detail.
public struct NIP04Error: Error, CustomStringConvertible, Hashable, Sendable {
    private enum Code: Hashable, Sendable {
        case invalidFormat
        case invalidBase64
        case invalidIV
        case invalidCiphertextLength
        case decryptionFailed
        case invalidPlaintextEncoding
        case keyAgreementFailed
        case encryptionFailed
    }

    private let code: Code
    private let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "NIP04Error: \(detail)" }

    public static func == (lhs: NIP04Error, rhs: NIP04Error) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Not `<base64>?iv=<base64>`.
    public static let invalidFormat = NIP04Error(.invalidFormat, "payload is not '<base64>?iv=<base64>'")
    public static let invalidBase64 = NIP04Error(.invalidBase64, "payload is not valid base64")
    public static let invalidIV = NIP04Error(.invalidIV, "iv must be 16 bytes")
    public static let invalidCiphertextLength = NIP04Error(.invalidCiphertextLength, "ciphertext must be a non-empty multiple of 16 bytes")
    /// Wrong key or corrupted ciphertext (bad PKCS#7 padding).
    public static let decryptionFailed = NIP04Error(.decryptionFailed, "decryption failed")
    public static let invalidPlaintextEncoding = NIP04Error(.invalidPlaintextEncoding, "decrypted plaintext is not valid UTF-8")
    public static let keyAgreementFailed = NIP04Error(.keyAgreementFailed, "ECDH key agreement failed")
    public static let encryptionFailed = NIP04Error(.encryptionFailed, "encryption failed")
}
