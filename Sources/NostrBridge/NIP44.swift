import Crypto
import CryptoExtras
import Foundation

/// NIP-44 version 2 encrypted payloads: secp256k1 ECDH, HKDF-SHA256, ChaCha20, HMAC-SHA256, base64.
public enum NIP44 {
    /// The long-lived symmetric key between two pubkeys: HKDF-extract(salt "nip44-v2", shared x).
    /// Computing it costs an ECDH; cache it per peer. Redacted when printed, like `SecretKey`.
    public struct ConversationKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        let bytes: [UInt8]

        /// For vectors and for keys cached elsewhere.
        public init(bytes: [UInt8]) throws(NIP44Error) {
            guard bytes.count == 32 else { throw .invalidConversationKey }
            self.bytes = bytes
        }

        public init(hex: String) throws(NIP44Error) {
            guard let decoded = Hex.decode(hex), decoded.count == 32 else { throw .invalidConversationKey }
            self.bytes = decoded
        }

        /// Symmetric: `ConversationKey(secretKey: a, publicKey: B)` equals `(b, A)`.
        public init(secretKey: SecretKey, publicKey: PublicKey) throws(KeyError) {
            var shared = try secretKey.sharedSecretX(with: publicKey)
            defer { secureZero(&shared) }
            let prk = HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: shared), salt: Array("nip44-v2".utf8))
            self.bytes = Array(prk)
        }

        /// The raw key as hex, for persisting a cache or comparing with vectors.
        public func exportHex() -> String { Hex.encode(bytes) }

        public var description: String { "NIP44.ConversationKey(<redacted>)" }
        public var debugDescription: String { description }
        public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
    }

    /// The per-message keys: HKDF-expand(conversation key, info = nonce, 76 bytes), split 32/12/32.
    public struct MessageKeys: Sendable {
        public let chachaKey: [UInt8]
        public let chachaNonce: [UInt8]
        public let hmacKey: [UInt8]
    }

    public static func messageKeys(conversationKey: ConversationKey, nonce: [UInt8]) throws(NIP44Error) -> MessageKeys {
        guard nonce.count == 32 else { throw .invalidNonce }
        let prk = SymmetricKey(data: conversationKey.bytes)
        let expanded = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: nonce, outputByteCount: 76)
        let bytes = expanded.withUnsafeBytes { Array($0) }
        return MessageKeys(
            chachaKey: Array(bytes[0..<32]), chachaNonce: Array(bytes[32..<44]), hmacKey: Array(bytes[44..<76]))
    }

    /// Encrypts with a fresh random nonce.
    public static func encrypt(_ plaintext: String, conversationKey: ConversationKey) throws(NIP44Error) -> String {
        try encrypt(plaintext, conversationKey: conversationKey, nonce: SecureRandom.bytes(32))
    }

    /// Encrypts with a caller-chosen nonce. Only for reproducing test vectors: reusing a nonce with
    /// the same conversation key reveals the XOR of the two plaintexts.
    public static func encrypt(_ plaintext: String, conversationKey: ConversationKey, nonce: [UInt8]) throws(NIP44Error) -> String {
        let keys = try messageKeys(conversationKey: conversationKey, nonce: nonce)
        let padded = try pad(Array(plaintext.utf8))
        let ciphertext = try chacha20(padded, keys: keys)
        let mac = HMAC<SHA256>.authenticationCode(for: nonce + ciphertext, using: SymmetricKey(data: keys.hmacKey))
        var payload = [UInt8]()
        payload.reserveCapacity(1 + 32 + ciphertext.count + 32)
        payload.append(2)
        payload.append(contentsOf: nonce)
        payload.append(contentsOf: ciphertext)
        payload.append(contentsOf: mac)
        return Data(payload).base64EncodedString()
    }

    /// Authenticates, then decrypts, a version 2 payload.
    ///
    /// The MAC is checked in constant time before any decryption, so a forged payload is rejected
    /// without touching the cipher or the padding.
    public static func decrypt(_ payload: String, conversationKey: ConversationKey) throws(NIP44Error) -> String {
        let length = payload.utf8.count
        // `#` marks a future non-base64 encoding.
        guard payload.utf8.first != UInt8(ascii: "#") else { throw .unknownVersion }
        // 132...87472 characters is base64 of 99...65603 bytes: version, nonce, 32...65536 bytes of
        // padded ciphertext, MAC. Checking first keeps huge inputs from being decoded at all.
        guard (132...87_472).contains(length) else { throw .invalidPayloadLength }
        guard let data = Base64.decode(payload) else { throw .invalidBase64 }
        guard (99...65_603).contains(data.count) else { throw .invalidPayloadLength }
        guard data[0] == 2 else { throw .unknownVersion }

        let nonce = Array(data[1..<33])
        let ciphertext = Array(data[33..<(data.count - 32)])
        let mac = Array(data[(data.count - 32)...])
        let keys = try messageKeys(conversationKey: conversationKey, nonce: nonce)
        guard HMAC<SHA256>.isValidAuthenticationCode(
            mac, authenticating: nonce + ciphertext, using: SymmetricKey(data: keys.hmacKey))
        else { throw .invalidMAC }

        let padded = try chacha20(ciphertext, keys: keys)
        guard let plaintext = strictUTF8String(try unpad(padded)) else { throw .invalidPlaintextEncoding }
        return plaintext
    }

    /// Encrypts to `peer` with a fresh nonce; computes the conversation key on every call.
    public static func encrypt(_ plaintext: String, secretKey: SecretKey, peer: PublicKey) throws(NIP44Error) -> String {
        try encrypt(plaintext, conversationKey: conversationKey(secretKey, peer))
    }

    /// Encrypts to `peer` with a nonce derived from the plaintext (HMAC-SHA256 under the
    /// conversation key): the same message always gives the same payload, different messages
    /// different nonces. For answers that may be re-sent, so that a re-send is the same event
    /// and relays de-duplicate it; it reveals only that two payloads hold the same text.
    public static func encryptDeterministically(_ plaintext: String, secretKey: SecretKey, peer: PublicKey) throws(NIP44Error) -> String {
        let key = try conversationKey(secretKey, peer)
        let nonce = HMAC<SHA256>.authenticationCode(for: Array("ncn deterministic nonce".utf8) + Array(plaintext.utf8),
                                                    using: SymmetricKey(data: key.bytes))
        return try encrypt(plaintext, conversationKey: key, nonce: Array(nonce))
    }

    /// Decrypts a payload from `peer`; computes the conversation key on every call.
    public static func decrypt(_ payload: String, secretKey: SecretKey, peer: PublicKey) throws(NIP44Error) -> String {
        try decrypt(payload, conversationKey: conversationKey(secretKey, peer))
    }

    private static func conversationKey(_ secretKey: SecretKey, _ peer: PublicKey) throws(NIP44Error) -> ConversationKey {
        do {
            return try ConversationKey(secretKey: secretKey, publicKey: peer)
        } catch {
            throw .keyAgreementFailed
        }
    }

    /// Raw ChaCha20 (RFC 8439 block function, counter 0): encryption and decryption are the same XOR.
    private static func chacha20(_ input: [UInt8], keys: MessageKeys) throws(NIP44Error) -> [UInt8] {
        do {
            let output = try Insecure.ChaCha20CTR.encrypt(
                input, using: SymmetricKey(data: keys.chachaKey), nonce: Insecure.ChaCha20CTR.Nonce(data: keys.chachaNonce))
            return Array(output)
        } catch {
            throw .cryptoFailure
        }
    }
}
