import Crypto
import Foundation
import NostrBridge
import XCTest

final class NIP44VectorTests: XCTestCase {
    struct File: Decodable {
        let v2: V2
    }
    struct V2: Decodable {
        let valid: Valid
        let invalid: Invalid
    }
    struct Valid: Decodable {
        let get_conversation_key: [ConversationKeyCase]
        let get_message_keys: MessageKeysGroup
        let calc_padded_len: [[Int]]
        let encrypt_decrypt: [EncryptDecryptCase]
        let encrypt_decrypt_long_msg: [LongMessageCase]
    }
    struct Invalid: Decodable {
        let encrypt_msg_lengths: [Int]
        let get_conversation_key: [InvalidConversationKeyCase]
        let decrypt: [InvalidDecryptCase]
    }
    struct ConversationKeyCase: Decodable {
        let sec1: String
        let pub2: String
        let conversation_key: String
    }
    struct MessageKeysGroup: Decodable {
        let conversation_key: String
        let keys: [MessageKeysCase]
    }
    struct MessageKeysCase: Decodable {
        let nonce: String
        let chacha_key: String
        let chacha_nonce: String
        let hmac_key: String
    }
    struct EncryptDecryptCase: Decodable {
        let sec1: String
        let sec2: String
        let conversation_key: String
        let nonce: String
        let plaintext: String
        let payload: String
    }
    struct LongMessageCase: Decodable {
        let conversation_key: String
        let nonce: String
        let pattern: String
        let `repeat`: Int
        let plaintext_sha256: String
        let payload_sha256: String
    }
    struct InvalidConversationKeyCase: Decodable {
        let sec1: String
        let pub2: String
        let note: String
    }
    struct InvalidDecryptCase: Decodable {
        let conversation_key: String
        let nonce: String
        let plaintext: String
        let payload: String
        let note: String
    }

    func vectors() throws -> V2 {
        try JSONDecoder().decode(File.self, from: VectorFiles.load("nip44.vectors.json")).v2
    }

    func testConversationKeys() throws {
        let cases = try vectors().valid.get_conversation_key
        XCTAssertEqual(cases.count, 35)
        for vector in cases {
            let key = try NIP44.ConversationKey(secretKey: SecretKey(hex: vector.sec1), publicKey: PublicKey(hex: vector.pub2))
            XCTAssertEqual(key.exportHex(), vector.conversation_key, "sec1 \(vector.sec1)")
        }
    }

    func testMessageKeys() throws {
        let group = try vectors().valid.get_message_keys
        XCTAssertEqual(group.keys.count, 32)
        let conversationKey = try NIP44.ConversationKey(hex: group.conversation_key)
        for vector in group.keys {
            let keys = try NIP44.messageKeys(conversationKey: conversationKey, nonce: hexBytes(vector.nonce))
            XCTAssertEqual(Hex.encode(keys.chachaKey), vector.chacha_key, "nonce \(vector.nonce)")
            XCTAssertEqual(Hex.encode(keys.chachaNonce), vector.chacha_nonce, "nonce \(vector.nonce)")
            XCTAssertEqual(Hex.encode(keys.hmacKey), vector.hmac_key, "nonce \(vector.nonce)")
        }
    }

    func testPaddedLengths() throws {
        let cases = try vectors().valid.calc_padded_len
        XCTAssertEqual(cases.count, 24)
        for pair in cases {
            XCTAssertEqual(NIP44.paddedLength(pair[0]), pair[1], "unpadded \(pair[0])")
        }
    }

    func testEncryptDecryptExactPayloads() throws {
        let cases = try vectors().valid.encrypt_decrypt
        XCTAssertEqual(cases.count, 10)
        for vector in cases {
            let sec1 = try SecretKey(hex: vector.sec1)
            let sec2 = try SecretKey(hex: vector.sec2)
            let key = try NIP44.ConversationKey(secretKey: sec1, publicKey: sec2.publicKey)
            XCTAssertEqual(key.exportHex(), vector.conversation_key)
            // Both sides must derive the same key.
            let reverse = try NIP44.ConversationKey(secretKey: sec2, publicKey: sec1.publicKey)
            XCTAssertEqual(reverse.exportHex(), vector.conversation_key)

            let payload = try NIP44.encrypt(vector.plaintext, conversationKey: key, nonce: hexBytes(vector.nonce))
            XCTAssertEqual(payload, vector.payload, "plaintext \(vector.plaintext)")
            XCTAssertEqual(try NIP44.decrypt(vector.payload, conversationKey: key), vector.plaintext)
            XCTAssertEqual(try NIP44.decrypt(vector.payload, secretKey: sec2, peer: sec1.publicKey), vector.plaintext)
        }
    }

    func testLongMessages() throws {
        let cases = try vectors().valid.encrypt_decrypt_long_msg
        XCTAssertEqual(cases.count, 3)
        for vector in cases {
            let plaintext = String(repeating: vector.pattern, count: vector.repeat)
            XCTAssertEqual(Hex.encode(SHA256.hash(data: Array(plaintext.utf8))), vector.plaintext_sha256)
            let key = try NIP44.ConversationKey(hex: vector.conversation_key)
            let payload = try NIP44.encrypt(plaintext, conversationKey: key, nonce: hexBytes(vector.nonce))
            XCTAssertEqual(Hex.encode(SHA256.hash(data: Array(payload.utf8))), vector.payload_sha256, "pattern \(vector.pattern)")
            XCTAssertEqual(try NIP44.decrypt(payload, conversationKey: key), plaintext)
        }
    }

    func testInvalidMessageLengthsAreRefused() throws {
        let lengths = try vectors().invalid.encrypt_msg_lengths
        XCTAssertEqual(lengths, [0, 65536, 100000, 10000000])
        let key = try NIP44.ConversationKey(bytes: [UInt8](repeating: 1, count: 32))
        for length in lengths {
            XCTAssertThrowsError(try NIP44.encrypt(String(repeating: "a", count: length), conversationKey: key), "length \(length)") {
                XCTAssertEqual($0 as? NIP44Error, .invalidPlaintextLength)
            }
        }
    }

    func testInvalidConversationKeysAreRefused() throws {
        let cases = try vectors().invalid.get_conversation_key
        XCTAssertEqual(cases.count, 8)
        for vector in cases {
            XCTAssertThrowsError(
                try NIP44.ConversationKey(secretKey: SecretKey(hex: vector.sec1), publicKey: PublicKey(hex: vector.pub2)),
                vector.note
            ) { error in
                let expected: KeyError = vector.note.hasPrefix("sec1") ? .invalidSecretKey : .invalidPublicKey
                XCTAssertEqual(error as? KeyError, expected, vector.note)
            }
        }
    }

    func testInvalidPayloadsAreRefused() throws {
        let cases = try vectors().invalid.decrypt
        XCTAssertEqual(cases.count, 12)
        for vector in cases {
            let expected: NIP44Error
            switch vector.note {
            case let note where note.hasPrefix("unknown encryption version"): expected = .unknownVersion
            case "invalid base64": expected = .invalidBase64
            case "invalid MAC": expected = .invalidMAC
            case "invalid padding": expected = .invalidPadding
            case let note where note.hasPrefix("invalid payload length"): expected = .invalidPayloadLength
            default:
                XCTFail("unrecognised vector note \(vector.note)")
                continue
            }
            let key = try NIP44.ConversationKey(hex: vector.conversation_key)
            XCTAssertThrowsError(try NIP44.decrypt(vector.payload, conversationKey: key), vector.note) {
                XCTAssertEqual($0 as? NIP44Error, expected, "\(vector.note): got \($0)")
            }
        }
    }
}
