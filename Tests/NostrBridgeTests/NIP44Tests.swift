import NostrBridge
import XCTest

/// Behaviour beyond the official vectors.
final class NIP44Tests: XCTestCase {
    func testRoundTripBetweenFreshKeys() throws {
        let alice = SecretKey.generate()
        let bob = SecretKey.generate()
        for length in [1, 31, 32, 33, 255, 256, 257, 1000, 65535] {
            let message = String(repeating: "ü", count: length / 2) + String(repeating: "a", count: length % 2)
            let payload = try NIP44.encrypt(message, secretKey: alice, peer: bob.publicKey)
            XCTAssertEqual(try NIP44.decrypt(payload, secretKey: bob, peer: alice.publicKey), message, "length \(length)")
        }
        let a = try NIP44.encrypt("same", secretKey: alice, peer: bob.publicKey)
        let b = try NIP44.encrypt("same", secretKey: alice, peer: bob.publicKey)
        XCTAssertNotEqual(a, b, "a fresh nonce per message")
    }

    func testWrongKeyFailsAtTheMAC() throws {
        let alice = SecretKey.generate()
        let payload = try NIP44.encrypt("hi", secretKey: alice, peer: SecretKey.generate().publicKey)
        XCTAssertThrowsError(try NIP44.decrypt(payload, secretKey: alice, peer: SecretKey.generate().publicKey)) {
            XCTAssertEqual($0 as? NIP44Error, .invalidMAC)
        }
    }

    /// Only the canonical spelling of a payload is accepted: no missing padding, no stray bits,
    /// no whitespace. (Foundation's decoder would accept some of these.)
    func testNonCanonicalBase64IsRefused() throws {
        let key = try NIP44.ConversationKey(bytes: [UInt8](repeating: 9, count: 32))
        // 33 bytes of plaintext pad to 64: 1 + 32 + 66 + 32 = 131 bytes, so the payload ends in one '='.
        let payload = try NIP44.encrypt(String(repeating: "x", count: 33), conversationKey: key)
        XCTAssertTrue(payload.hasSuffix("=") && !payload.hasSuffix("=="))
        XCTAssertNoThrow(try NIP44.decrypt(payload, conversationKey: key))

        var characters = Array(payload)
        let last = characters[characters.count - 2]
        // Set the lowest (unused) bit of the final sextet.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let index = try XCTUnwrap(alphabet.firstIndex(of: last))
        characters[characters.count - 2] = alphabet[index ^ 1]
        let variants = [
            String(characters),
            String(payload.dropLast()),
            payload + "\n",
            String(payload.prefix(40)) + " " + String(payload.dropFirst(40)),
            String(repeating: "=", count: 132),
        ]
        for variant in variants {
            XCTAssertThrowsError(try NIP44.decrypt(variant, conversationKey: key), variant) {
                XCTAssertEqual($0 as? NIP44Error, .invalidBase64, variant)
            }
        }
    }

    func testBadNonceAndKeyLengths() {
        XCTAssertThrowsError(try NIP44.ConversationKey(bytes: [1, 2, 3])) { XCTAssertEqual($0 as? NIP44Error, .invalidConversationKey) }
        XCTAssertThrowsError(try NIP44.ConversationKey(hex: "zz")) { XCTAssertEqual($0 as? NIP44Error, .invalidConversationKey) }
        XCTAssertThrowsError(
            try NIP44.encrypt("x", conversationKey: NIP44.ConversationKey(bytes: [UInt8](repeating: 1, count: 32)), nonce: [0])
        ) { XCTAssertEqual($0 as? NIP44Error, .invalidNonce) }
    }
}
