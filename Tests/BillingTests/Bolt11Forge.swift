import CSecp256k1
import Crypto
import NostrBridge
@testable import Billing

/// Builds signed invoices the specification has no example for (an `n` field, a missing or
/// repeated `p`, other networks, odd amounts), so the decoder's refusals can be tested one at a time.
enum Bolt11Forge {
    struct Field {
        var tag: Character
        var words: [UInt8]

        static func bytes(_ tag: Character, _ bytes: [UInt8]) -> Field { Field(tag: tag, words: Bolt11Words.words(of: bytes)) }
        static func hex(_ tag: Character, _ hex: String) -> Field { bytes(tag, Hex.decode(hex)!) }
        static func text(_ tag: Character, _ text: String) -> Field { bytes(tag, Array(text.utf8)) }
        static func number(_ tag: Character, _ value: UInt64) -> Field { Field(tag: tag, words: Bolt11Words.words(of: value)) }
    }

    private static let alphabet = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l")

    static func invoice(
        hrp: String = "lnbc2500u", timestamp: UInt64 = UInt64(Bolt11Vectors.timestamp), fields: [Field],
        privateKey: String = Bolt11Vectors.privateKey
    ) -> String {
        var timestampWords = Bolt11Words.words(of: timestamp)
        timestampWords.insert(contentsOf: [UInt8](repeating: 0, count: 7 - timestampWords.count), at: 0)
        var words = timestampWords
        for field in fields {
            let type = UInt8(alphabet.firstIndex(of: field.tag)!)
            words += [type, UInt8(field.words.count >> 5), UInt8(field.words.count & 31)] + field.words
        }
        let message = Array(hrp.utf8) + Bolt11Words.bytes(words, padTrailingBits: true)
        let signature = sign(Array(SHA256.hash(data: message)), privateKey: Hex.decode(privateKey)!)
        return try! Bech32.encode(hrp: hrp, words: words + Bolt11Words.words(of: signature), maxLength: .max)
    }

    /// A recoverable ECDSA signature: 64 compact bytes and the recovery id.
    private static func sign(_ digest: [UInt8], privateKey: [UInt8]) -> [UInt8] {
        let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
        defer { secp256k1_context_destroy(context) }
        var signature = secp256k1_ecdsa_recoverable_signature()
        precondition(secp256k1_ecdsa_sign_recoverable(context, &signature, digest, privateKey, nil, nil) == 1)
        var compact = [UInt8](repeating: 0, count: 64)
        var recoveryID: Int32 = 0
        _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(context, &compact, &recoveryID, &signature)
        return compact + [UInt8(recoveryID)]
    }
}
