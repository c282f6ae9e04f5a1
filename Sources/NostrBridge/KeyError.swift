/// Why a key could not be imported, or a key operation failed.
///
/// Equality compares only the kind of failure, so callers can write `error == .invalidSecretKey`;
/// the description carries the detail.
public struct KeyError: Error, CustomStringConvertible, Hashable, Sendable {
    private enum Code: Hashable, Sendable {
        case invalidHex
        case wrongLength
        case invalidSecretKey
        case invalidPublicKey
        case invalidAuxiliaryRandomness
        case signingFailed
        case keyAgreementFailed
    }

    private let code: Code
    private let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "KeyError: \(detail)" }

    public static func == (lhs: KeyError, rhs: KeyError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The text is not hexadecimal.
    public static let invalidHex = KeyError(.invalidHex, "key is not hexadecimal")
    /// Keys are exactly 32 bytes (64 hex digits).
    public static let wrongLength = KeyError(.wrongLength, "key must be exactly 32 bytes")
    /// Zero, or not below the secp256k1 group order.
    public static let invalidSecretKey = KeyError(.invalidSecretKey, "secret key is zero or not below the curve order")
    /// Not the x coordinate of a point on secp256k1.
    public static let invalidPublicKey = KeyError(.invalidPublicKey, "public key is not the x coordinate of a secp256k1 point")
    /// BIP-340 auxiliary randomness must be 32 bytes.
    public static let invalidAuxiliaryRandomness = KeyError(.invalidAuxiliaryRandomness, "auxiliary randomness must be 32 bytes")
    /// libsecp256k1 refused to sign (cannot happen with a valid key; reported rather than trapped).
    public static let signingFailed = KeyError(.signingFailed, "libsecp256k1 failed to produce a signature")
    /// libsecp256k1 refused the ECDH multiplication.
    public static let keyAgreementFailed = KeyError(.keyAgreementFailed, "ECDH key agreement failed")
}
