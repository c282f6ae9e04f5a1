import Foundation
import NostrBridge
import XCTest

final class KeyTests: XCTestCase {
    let secretHex = "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa"

    func testHexImportExport() throws {
        let key = try SecretKey(hex: secretHex)
        XCTAssertEqual(key.exportHex(), secretHex)
        XCTAssertEqual(try SecretKey(hex: secretHex.uppercased()).exportHex(), secretHex)
        let publicKey = try PublicKey(hex: key.publicKey.hex)
        XCTAssertEqual(publicKey, key.publicKey)
        XCTAssertEqual(publicKey.hex.count, 64)
    }

    func testGeneratedKeysAreDistinctAndUsable() throws {
        let keys = (0..<16).map { _ in SecretKey.generate() }
        XCTAssertEqual(Set(keys.map { $0.exportHex() }).count, 16)
        for key in keys {
            let message = [UInt8](repeating: 7, count: 32)
            XCTAssertTrue(key.publicKey.isValidSignature(try key.sign(message), for: message))
        }
    }

    func testSigningWithFreshAuxRandomnessStillVerifies() throws {
        let key = SecretKey.generate()
        let message = Array("not 32 bytes".utf8)
        let first = try key.sign(message)
        let second = try key.sign(message)
        XCTAssertNotEqual(first, second, "fresh aux randomness per signature")
        XCTAssertTrue(key.publicKey.isValidSignature(first, for: message))
        XCTAssertTrue(key.publicKey.isValidSignature(second, for: message))
        XCTAssertFalse(key.publicKey.isValidSignature(first, for: message + [0]))
        XCTAssertFalse(key.publicKey.isValidSignature(Array(first.dropLast()), for: message))
        XCTAssertThrowsError(try key.sign(message, auxiliaryRandomness: [1, 2, 3])) {
            XCTAssertEqual($0 as? KeyError, .invalidAuxiliaryRandomness)
        }
    }

    func testRejectsInvalidSecretKeys() {
        let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        let cases: [(String, KeyError)] = [
            (String(repeating: "0", count: 64), .invalidSecretKey),
            (order, .invalidSecretKey),
            (String(repeating: "f", count: 64), .invalidSecretKey),
            ("abcd", .wrongLength),
            (String(repeating: "g", count: 64), .invalidHex),
            (String(repeating: "é", count: 32), .invalidHex),  // 64 UTF-8 bytes, but not hex
        ]
        for (hex, expected) in cases {
            XCTAssertThrowsError(try SecretKey(hex: hex), hex) { XCTAssertEqual($0 as? KeyError, expected, hex) }
        }
        XCTAssertThrowsError(try SecretKey(bytes: [UInt8](repeating: 1, count: 31))) {
            XCTAssertEqual($0 as? KeyError, .wrongLength)
        }
    }

    func testRejectsInvalidPublicKeys() {
        XCTAssertThrowsError(try PublicKey(hex: String(repeating: "f", count: 64))) {
            XCTAssertEqual($0 as? KeyError, .invalidPublicKey)
        }
        XCTAssertThrowsError(try PublicKey(hex: "xyz")) { XCTAssertEqual($0 as? KeyError, .wrongLength) }
    }

    func testSecretIsNeverPrinted() throws {
        let key = try SecretKey(hex: secretHex)
        var dumped = ""
        dump(key, to: &dumped)
        let renderings = [
            "\(key)", String(describing: key), String(reflecting: key), key.description, key.debugDescription, dumped,
            "\(Mirror(reflecting: key).children.map { "\($0.label ?? ""): \($0.value)" })",
            "\([key])", "\(Optional(key) as Any)",
        ]
        for rendering in renderings {
            XCTAssertFalse(rendering.contains(secretHex), rendering)
            XCTAssertFalse(rendering.lowercased().contains("67dea2ed"), rendering)
        }
        XCTAssertTrue(key.description.contains("redacted"))
        XCTAssertTrue(key.description.contains(key.publicKey.hex), "public half stays visible for debugging")

        let conversationKey = try NIP44.ConversationKey(secretKey: key, publicKey: SecretKey.generate().publicKey)
        var dumpedConversation = ""
        dump(conversationKey, to: &dumpedConversation)
        for rendering in ["\(conversationKey)", String(reflecting: conversationKey), dumpedConversation] {
            XCTAssertFalse(rendering.contains(conversationKey.exportHex()), rendering)
        }
    }

    func testECDHIsSymmetricAndUnhashed() throws {
        let alice = SecretKey.generate()
        let bob = SecretKey.generate()
        let ab = try alice.sharedSecretX(with: bob.publicKey)
        let ba = try bob.sharedSecretX(with: alice.publicKey)
        XCTAssertEqual(ab, ba)
        XCTAssertEqual(ab.count, 32)
        // 1·G's x is the generator's x: the output really is the raw coordinate, not a hash.
        let one = try SecretKey(hex: String(repeating: "0", count: 63) + "1")
        let two = try SecretKey(hex: String(repeating: "0", count: 63) + "2")
        XCTAssertEqual(try one.sharedSecretX(with: two.publicKey), two.publicKey.bytes)
    }

    func testPublicKeyCodableAsHex() throws {
        let key = SecretKey.generate().publicKey
        let encoded = try JSONEncoder().encode([key])
        XCTAssertEqual(String(decoding: encoded, as: UTF8.self), "[\"\(key.hex)\"]")
        XCTAssertEqual(try JSONDecoder().decode([PublicKey].self, from: encoded), [key])
        XCTAssertThrowsError(try JSONDecoder().decode([PublicKey].self, from: Data(#"["00"]"#.utf8)))
    }

    func testConcurrentSigningAndVerification() async throws {
        let key = SecretKey.generate()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask {
                    var ok = true
                    for round in 0..<50 {
                        let event = try NostrEvent.sign(kind: 1, content: "\(index)-\(round)", createdAt: 1, with: key)
                        ok = ok && event.hasValidSignature()
                    }
                    return ok
                }
            }
            for try await ok in group { XCTAssertTrue(ok) }
        }
    }
}
