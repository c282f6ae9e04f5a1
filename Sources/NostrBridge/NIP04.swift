import Crypto
import CryptoExtras
import Foundation

/// NIP-04 legacy encrypted payloads: AES-256-CBC keyed with the raw ECDH x, as `<base64>?iv=<base64>`.
///
/// Kept for interoperability (NIP-90 clients and NWC wallets that predate NIP-44). It has no
/// authentication: only decrypt content of an event whose signature has been verified, and
/// prefer NIP-44 when the peer supports it.
public enum NIP04 {
    public static func encrypt(_ plaintext: String, secretKey: SecretKey, peer: PublicKey) throws(NIP04Error) -> String {
        try encrypt(plaintext, secretKey: secretKey, peer: peer, iv: SecureRandom.bytes(16))
    }

    /// With a caller-chosen IV, for reproducing vectors only.
    public static func encrypt(_ plaintext: String, secretKey: SecretKey, peer: PublicKey, iv: [UInt8]) throws(NIP04Error) -> String {
        guard iv.count == 16 else { throw .invalidIV }
        let key = try sharedKey(secretKey, peer)
        do {
            let ciphertext = try AES._CBC.encrypt(Array(plaintext.utf8), using: key, iv: AES._CBC.IV(ivBytes: iv))
            return ciphertext.base64EncodedString() + "?iv=" + Data(iv).base64EncodedString()
        } catch {
            throw .encryptionFailed
        }
    }

    /// With an IV derived from the plaintext (HMAC-SHA256 under the shared key), so that a
    /// re-sent answer is byte-identical; see `NIP44.encryptDeterministically`.
    public static func encryptDeterministically(_ plaintext: String, secretKey: SecretKey, peer: PublicKey) throws(NIP04Error) -> String {
        let key = try sharedKey(secretKey, peer)
        let mac = HMAC<SHA256>.authenticationCode(for: Array("ncn deterministic iv".utf8) + Array(plaintext.utf8), using: key)
        return try encrypt(plaintext, secretKey: secretKey, peer: peer, iv: Array(Array(mac).prefix(16)))
    }

    public static func decrypt(_ payload: String, secretKey: SecretKey, peer: PublicKey) throws(NIP04Error) -> String {
        let parts = payload.split(separator: "?iv=", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .invalidFormat }
        guard let ciphertext = Base64.decode(String(parts[0])), let iv = Base64.decode(String(parts[1])) else {
            throw .invalidBase64
        }
        guard iv.count == 16 else { throw .invalidIV }
        guard !ciphertext.isEmpty, ciphertext.count % 16 == 0 else { throw .invalidCiphertextLength }
        let key = try sharedKey(secretKey, peer)
        let plaintext: Data
        do {
            plaintext = try AES._CBC.decrypt(ciphertext, using: key, iv: AES._CBC.IV(ivBytes: iv))
        } catch {
            throw .decryptionFailed
        }
        guard let text = strictUTF8String(plaintext) else { throw .invalidPlaintextEncoding }
        return text
    }

    private static func sharedKey(_ secretKey: SecretKey, _ peer: PublicKey) throws(NIP04Error) -> SymmetricKey {
        do {
            var shared = try secretKey.sharedSecretX(with: peer)
            defer { secureZero(&shared) }
            return SymmetricKey(data: shared)
        } catch {
            throw .keyAgreementFailed
        }
    }
}
