import CSecp256k1
import NostrBridge

/// The 65-byte invoice signature: compact (r, s) and a recovery id.
enum Bolt11Signature {
    /// Recovers the compressed public key that made `signature` (64 bytes + recovery id) over
    /// `digest` (32 bytes).
    static func recoverPayee(signature: [UInt8], recoveryID: Int32, digest: [UInt8]) throws(Bolt11Error) -> [UInt8] {
        let context = Secp256k1Context.shared.pointer
        guard (0...3).contains(recoveryID) else {
            throw .invalidSignature("recovery id \(recoveryID) is not 0, 1, 2 or 3")
        }
        var recoverable = secp256k1_ecdsa_recoverable_signature()
        guard secp256k1_ecdsa_recoverable_signature_parse_compact(context, &recoverable, signature, recoveryID) == 1 else {
            throw .invalidSignature("r or s is out of range")
        }
        var publicKey = secp256k1_pubkey()
        guard secp256k1_ecdsa_recover(context, &publicKey, &recoverable, digest) == 1 else {
            throw .invalidSignature("no public key can be recovered from it")
        }
        return serialize(publicKey, context: context)
    }

    /// Checks that `payee` (33 bytes, compressed) made `signature` over `digest`.
    static func verify(signature: [UInt8], digest: [UInt8], payee: [UInt8]) throws(Bolt11Error) {
        let context = Secp256k1Context.shared.pointer
        var publicKey = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_parse(context, &publicKey, payee, payee.count) == 1 else {
            throw .invalidField("the payee key (n field) is not a valid public key")
        }
        var parsed = secp256k1_ecdsa_signature()
        guard secp256k1_ecdsa_signature_parse_compact(context, &parsed, signature) == 1 else {
            throw .invalidSignature("r or s is out of range")
        }
        // BOLT #11 does not require low-S, while libsecp256k1 verifies only low-S signatures:
        // normalize, since malleability is irrelevant to a signed invoice.
        var normalized = secp256k1_ecdsa_signature()
        _ = secp256k1_ecdsa_signature_normalize(context, &normalized, &parsed)
        guard secp256k1_ecdsa_verify(context, &normalized, digest, &publicKey) == 1 else {
            throw .invalidSignature("it was not made by the payee key in the n field")
        }
    }

    private static func serialize(_ publicKey: secp256k1_pubkey, context: OpaquePointer) -> [UInt8] {
        var key = publicKey
        var out = [UInt8](repeating: 0, count: 33)
        var length = 33
        _ = secp256k1_ec_pubkey_serialize(context, &out, &length, &key, UInt32(SECP256K1_EC_COMPRESSED))
        return out
    }
}
