import Crypto
import Foundation
import NostrBridge
import XCTest

/// Seeded, so a failure reproduces exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// Decoding and validation must turn every hostile input into a typed error (or, for a harmless
/// mutation, a valid result) — never a crash, a trap or an untyped error.
final class FuzzTests: XCTestCase {
    var rng = SplitMix64(state: 0x6e6f_7374_72)

    func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        let alphabet = Array(#"{}[]",:0123456789-+.eE\"\ u00ff abcdefABCDEF truefalsenull"#.utf8)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { bytes = [UInt8.random(in: 0...255, using: &rng)]; continue }
            let index = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: bytes[index] ^= 1 << UInt8.random(in: 0...7, using: &rng)
            case 1: bytes[index] = UInt8.random(in: 0...255, using: &rng)
            case 2: bytes[index] = alphabet.randomElement(using: &rng) ?? 0
            case 3: bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...16, using: &rng)))
            case 4: bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 0 }, at: index)
            case 5: bytes = Array(bytes[..<index])
            default:
                let end = min(bytes.count, index + Int.random(in: 1...32, using: &rng))
                bytes.insert(contentsOf: bytes[index..<end], at: index)
            }
        }
        return bytes
    }

    func testMutatedEventJSON() throws {
        let key = SecretKey.generate()
        let seeds = try [
            NostrEvent.sign(kind: 1, tags: [["e", String(repeating: "a", count: 64)], ["p", key.publicKey.hex]], content: "hello \"world\"\n🤙", createdAt: 1_700_000_000, with: key),
            NostrEvent.sign(kind: 31900, tags: [["d", "x"], ["expiration", "1800000000"]], content: "", createdAt: 1_700_000_000, with: key),
            NostrEvent.sign(kind: 0, content: #"{"name":"\u0000"}"#, createdAt: 1_700_000_000, with: key),
        ].map { $0.jsonBytes() }

        var decoded = 0
        var valid = 0
        var errors = Set<String>()
        for round in 0..<3000 {
            let input = mutate(seeds[round % seeds.count])
            do {
                let event = try NostrEvent.decode(json: Data(input))
                decoded += 1
                try event.validate(now: 1_700_000_000)
                valid += 1
                // Anything that survives must be byte-for-byte self-consistent.
                XCTAssertEqual(event.computedID(), event.id)
            } catch {
                errors.insert(String(describing: error).prefix(40).description)
            }
        }
        XCTAssertGreaterThan(decoded, 100, "mutations should often leave well-formed JSON to validate")
        XCTAssertLessThan(valid, 3000)
        XCTAssertGreaterThan(errors.count, 5, "a range of distinct failures was exercised: \(errors)")
    }

    func testRandomEventShapedJSON() {
        func randomString() -> String {
            let pool = ["", "a", String(repeating: "0", count: 64), String(repeating: "F", count: 64), String(repeating: "f", count: 128), "\u{0}", "\\", "\"", "é", "🤙"]
            return pool.randomElement(using: &rng) ?? ""
        }
        func randomValue(depth: Int = 0) -> Any {
            switch Int.random(in: 0..<(depth > 2 ? 4 : 6), using: &rng) {
            case 0: return randomString()
            case 1: return Int64.random(in: Int64.min...Int64.max, using: &rng)
            case 2: return Double.random(in: -1e20...1e20, using: &rng)
            case 3: return Bool.random(using: &rng)
            case 4: return (0..<Int.random(in: 0...3, using: &rng)).map { _ in randomValue(depth: depth + 1) }
            default: return ["k": randomValue(depth: depth + 1)]
            }
        }
        for _ in 0..<2000 {
            var object: [String: Any] = [:]
            for field in ["id", "pubkey", "created_at", "kind", "tags", "content", "sig"] where Int.random(in: 0..<10, using: &rng) > 0 {
                object[field] = Bool.random(using: &rng) ? randomValue() : (field == "tags" ? [[randomString()]] : randomString())
            }
            guard let data = try? JSONSerialization.data(withJSONObject: object) else { continue }
            do {
                let event = try NostrEvent.decode(json: data)
                try event.validate()
                XCTFail("random fields cannot form a validly signed event")
            } catch {
                XCTAssertTrue(error.description.hasPrefix("EventError"))
            }
        }
    }

    func testMutatedNIP44Payloads() throws {
        let conversationKey = try NIP44.ConversationKey(secretKey: SecretKey.generate(), publicKey: SecretKey.generate().publicKey)
        let seed = try NIP44.encrypt("the quick brown fox", conversationKey: conversationKey)
        XCTAssertEqual(try NIP44.decrypt(seed, conversationKey: conversationKey), "the quick brown fox")

        var outcomes = [String: Int]()
        for _ in 0..<3000 {
            let input = String(decoding: mutate(Array(seed.utf8)), as: UTF8.self)
            do {
                _ = try NIP44.decrypt(input, conversationKey: conversationKey)
                outcomes["ok", default: 0] += 1
            } catch {
                outcomes[error.description, default: 0] += 1
            }
        }
        XCTAssertGreaterThan(outcomes.count, 3, "\(outcomes)")

        // Random well-sized base64 with version 2 reaches the MAC check and stops there.
        for _ in 0..<1000 {
            let count = Int.random(in: 99...400, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes[0] = 2
            XCTAssertThrowsError(try NIP44.decrypt(Data(bytes).base64EncodedString(), conversationKey: conversationKey)) {
                XCTAssertEqual($0 as? NIP44Error, .invalidMAC)
            }
        }
    }

    /// Payloads with a correct MAC over random ciphertext get past authentication, so they exercise
    /// the padding and UTF-8 checks that an attacker without the key can never reach.
    func testAuthenticatedGarbageHitsPaddingChecks() throws {
        let conversationKey = try NIP44.ConversationKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
        var paddingErrors = 0
        for round in 0..<1000 {
            let nonce = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let length = [32, 64, 96, 128, 192, 256][round % 6] + 2
            let ciphertext = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let keys = try NIP44.messageKeys(conversationKey: conversationKey, nonce: nonce)
            let mac = HMAC<SHA256>.authenticationCode(for: nonce + ciphertext, using: SymmetricKey(data: keys.hmacKey))
            let payload = Data([2] + nonce + ciphertext + Array(mac)).base64EncodedString()
            do {
                _ = try NIP44.decrypt(payload, conversationKey: conversationKey)
            } catch {
                // Typed throws: `error` is statically a NIP44Error here.
                XCTAssertTrue([.invalidPadding, .invalidPlaintextEncoding].contains(error), "\(error)")
                if error == .invalidPadding { paddingErrors += 1 }
            }
        }
        XCTAssertGreaterThan(paddingErrors, 900)
    }

    func testRandomBech32AndNIP04Inputs() throws {
        let valid = SecretKey.generate().publicKey.npub
        let alice = SecretKey.generate()
        let nip04 = try NIP04.encrypt("hi", secretKey: alice, peer: alice.publicKey)
        for _ in 0..<2000 {
            let text = String(decoding: mutate(Array(valid.utf8)), as: UTF8.self)
            if let decoded = try? NIP19.decode(text), case .publicKey(let key) = decoded {
                // Only a change that keeps the checksum (e.g. a case flip of the whole string) may pass.
                XCTAssertEqual(key.npub, valid)
            }
            _ = try? NIP04.decrypt(String(decoding: mutate(Array(nip04.utf8)), as: UTF8.self), secretKey: alice, peer: alice.publicKey)
        }
    }
}
