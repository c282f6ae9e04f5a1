import Foundation
import NostrBridge
import XCTest

final class EventSerializationTests: XCTestCase {
    let pubkey = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"

    /// Expected bytes and id were produced independently with Python's
    /// `json.dumps(..., separators=(',', ':'), ensure_ascii=False)`, which follows the same rule.
    func testEscapesUnicodeAndEmojiMatchReference() {
        let content = "line1\nline2\t\"quoted\" back\\slash \r \u{08}\u{0C} \u{01}\u{1F}\u{7F} \u{E9} 日本 "
            + "\u{1F919}\u{1F3FD} \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} </script> /slash \u{2028}"
        let tags = [
            ["e", "5c83da77af1dec6d7289834998ad7aafbd9e2191396d75ec3cc27f5a77226f36", ""],
            ["p", "x", "wss://relay.example/"],
            ["t", "emoji\u{1F525}"],
            ["empty"],
        ]
        let expected = #"[0,"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",1700000000,1,"#
            + #"[["e","5c83da77af1dec6d7289834998ad7aafbd9e2191396d75ec3cc27f5a77226f36",""],["p","x","wss://relay.example/"],"#
            + #"["t","emoji\#u{1F525}"],["empty"]],"#
            + #""line1\nline2\t\"quoted\" back\\slash \r \b\f \u0001\u001f\#u{7F} \#u{E9} 日本 "#
            + #"\#u{1F919}\#u{1F3FD} \#u{1F468}\#u{200D}\#u{1F469}\#u{200D}\#u{1F467} </script> /slash \#u{2028}"]"#
        let bytes = NostrEvent.canonicalSerialization(pubkey: pubkey, createdAt: 1_700_000_000, kind: 1, tags: tags, content: content)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), expected)
        XCTAssertEqual(bytes, Array(expected.utf8))
        XCTAssertEqual(
            NostrEvent.computeID(pubkey: pubkey, createdAt: 1_700_000_000, kind: 1, tags: tags, content: content),
            "9eaf4acf57f8d272caab5ee8a64ecfaa9fa91fe3d77a83498a09ce20dfc4e813")
    }

    func testMinimalEventID() {
        XCTAssertEqual(
            NostrEvent.computeID(pubkey: pubkey, createdAt: 0, kind: 0, tags: [], content: ""),
            "438633166bd72a6b099ca89b06018a96fc9a175ce81b44a853b1242fcca7ae0b")
    }

    func testEveryControlCharacterEscapes() {
        for scalar in 0..<0x20 {
            let character = String(UnicodeScalar(UInt8(scalar)))
            let bytes = NostrEvent.canonicalSerialization(pubkey: "", createdAt: 0, kind: 0, tags: [], content: character)
            let body = String(decoding: bytes, as: UTF8.self).dropFirst(#"[0,"",0,0,[],""#.count).dropLast(2)
            let expected: String
            switch scalar {
            case 0x08: expected = #"\b"#
            case 0x09: expected = #"\t"#
            case 0x0a: expected = #"\n"#
            case 0x0c: expected = #"\f"#
            case 0x0d: expected = #"\r"#
            default: expected = String(format: "\\u%04x", scalar)
            }
            XCTAssertEqual(String(body), expected, "U+\(String(scalar, radix: 16))")
        }
    }

    /// Decomposed and precomposed é are different bytes and therefore different events;
    /// Swift's `String ==` would call them equal, so the serializer must work on UTF-8, not Characters.
    func testNoUnicodeNormalization() {
        let precomposed = NostrEvent.canonicalSerialization(pubkey: "", createdAt: 0, kind: 1, tags: [], content: "\u{E9}")
        let decomposed = NostrEvent.canonicalSerialization(pubkey: "", createdAt: 0, kind: 1, tags: [], content: "e\u{301}")
        XCTAssertNotEqual(precomposed, decomposed)
        XCTAssertEqual(Array(decomposed.suffix(5)), [0x65, 0xcc, 0x81, 0x22, 0x5d])
    }

    func testJSONRoundTripKeepsFieldsAndWireNames() throws {
        let key = SecretKey.generate()
        let event = try NostrEvent.sign(
            kind: 1, tags: [["t", "a/b"]], content: "hi \"there\"\n\u{1F600}", createdAt: 1_700_000_000, with: key)
        let json = event.jsonString()
        XCTAssertTrue(json.hasPrefix(#"{"id":""#))
        XCTAssertTrue(json.contains(#""created_at":1700000000"#))
        XCTAssertTrue(json.contains(#""a/b""#), "slashes stay unescaped")
        let decoded = try NostrEvent.decode(json: json)
        XCTAssertEqual(decoded, event)
        XCTAssertNoThrow(try decoded.validate(now: 1_700_000_000))

        // Codable (used by the relay layer) agrees with the hand-written encoder.
        let viaCodable = try JSONDecoder().decode(NostrEvent.self, from: JSONEncoder().encode(event))
        XCTAssertEqual(viaCodable, event)
    }

    func testDecodeReportsMalformedJSON() {
        let inputs = [
            "", "null", "[]", "{}", #"{"id":1}"#,
            #"{"id":"a","pubkey":"b","created_at":"1","kind":1,"tags":[],"content":"","sig":"c"}"#,
            #"{"id":"a","pubkey":"b","created_at":1,"kind":1,"tags":[[1]],"content":"","sig":"c"}"#,
            #"{"id":"a","pubkey":"b","created_at":1,"kind":1,"tags":[],"sig":"c"}"#,
        ]
        for input in inputs {
            XCTAssertThrowsError(try NostrEvent.decode(json: input), input) {
                XCTAssertEqual($0 as? EventError, .malformedJSON, "\(input): \($0)")
            }
        }
    }
}
