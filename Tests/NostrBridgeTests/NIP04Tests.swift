import NostrBridge
import XCTest

final class NIP04Tests: XCTestCase {
    let alice = SecretKey.generate()
    let bob = SecretKey.generate()

    func testRoundTrip() throws {
        for message in ["", "hello", "emoji 🤙🏽 and \"quotes\"\n", String(repeating: "x", count: 10_000)] {
            let payload = try NIP04.encrypt(message, secretKey: alice, peer: bob.publicKey)
            XCTAssertTrue(payload.contains("?iv="))
            XCTAssertEqual(try NIP04.decrypt(payload, secretKey: bob, peer: alice.publicKey), message)
            XCTAssertEqual(try NIP04.decrypt(payload, secretKey: alice, peer: bob.publicKey), message, "the sender can read it too")
        }
    }

    func testFixedIVIsDeterministicAndFormatted() throws {
        let iv = [UInt8](repeating: 0, count: 16)
        let first = try NIP04.encrypt("hi", secretKey: alice, peer: bob.publicKey, iv: iv)
        XCTAssertEqual(first, try NIP04.encrypt("hi", secretKey: alice, peer: bob.publicKey, iv: iv))
        XCTAssertTrue(first.hasSuffix("?iv=AAAAAAAAAAAAAAAAAAAAAA=="))
        // One AES block of ciphertext: 24 base64 characters.
        XCTAssertEqual(first.split(separator: "?").first?.count, 24)
    }

    func testWrongKeyOrGarbageIsRefused() throws {
        let payload = try NIP04.encrypt("secret", secretKey: alice, peer: bob.publicKey)
        let eve = SecretKey.generate()
        // A wrong key nearly always breaks the PKCS#7 padding; rarely it yields junk bytes instead.
        XCTAssertThrowsError(try NIP04.decrypt(payload, secretKey: eve, peer: alice.publicKey))

        let cases: [(String, NIP04Error)] = [
            ("no separator", .invalidFormat),
            ("a?iv=b?iv=c", .invalidFormat),
            ("!!!?iv=AAAAAAAAAAAAAAAAAAAAAA==", .invalidBase64),
            ("AAAAAAAAAAAAAAAAAAAAAA==?iv=AAAA", .invalidIV),
            ("AAAA?iv=AAAAAAAAAAAAAAAAAAAAAA==", .invalidCiphertextLength),
            ("?iv=AAAAAAAAAAAAAAAAAAAAAA==", .invalidCiphertextLength),
            // Non-canonical base64: unused bits set, padding missing.
            ("AAAAAAAAAAAAAAAAAAAAAA==?iv=AAAAAAAAAAAAAAAAAAAAAB==", .invalidBase64),
            ("AAAAAAAAAAAAAAAAAAAAAA==?iv=AAAAAAAAAAAAAAAAAAAAAA", .invalidBase64),
        ]
        for (input, expected) in cases {
            XCTAssertThrowsError(try NIP04.decrypt(input, secretKey: bob, peer: alice.publicKey), input) {
                XCTAssertEqual($0 as? NIP04Error, expected, input)
            }
        }
    }
}
