import Foundation
import XCTest

@testable import NostrBridge

/// Shared by the relay test files.
enum RelayFixtures {
    static let pubkey = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    static let otherPubkey = "c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"

    /// Structurally valid, not signed: the relay layer never verifies by itself.
    static func event(
        id: String = String(repeating: "a", count: 64),
        pubkey: String = RelayFixtures.pubkey,
        createdAt: Int64 = 1_700_000_000,
        kind: Int = 1,
        tags: [[String]] = [],
        content: String = "hello"
    ) -> NostrEvent {
        NostrEvent(
            id: id, pubkey: pubkey, createdAt: createdAt, kind: kind, tags: tags, content: content,
            sig: String(repeating: "b", count: 128))
    }

    /// A distinct 64-hex id per number.
    static func id(_ number: Int) -> String {
        let hex = String(number, radix: 16)
        return String(repeating: "0", count: 64 - hex.count) + hex
    }

    static let eventJSON =
        #"{"id":"\#(String(repeating: "a", count: 64))","pubkey":"\#(pubkey)","created_at":1700000000,"kind":1,"tags":[["e","x"]],"content":"hi","sig":"\#(String(repeating: "b", count: 128))"}"#
}

/// Deterministic generator so a failing fuzz case can be replayed.
struct RelayFuzzRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class RelayMessageTests: XCTestCase {
    // MARK: Relay → client, every type

    func testParsesEvent() throws {
        let message = try RelayMessage(json: #"["EVENT","sub1",\#(RelayFixtures.eventJSON)]"#)
        guard case .event(let subscriptionID, let event) = message else { return XCTFail("got \(message)") }
        XCTAssertEqual(subscriptionID, "sub1")
        XCTAssertEqual(event.createdAt, 1_700_000_000)
        XCTAssertEqual(event.tags, [["e", "x"]])
        XCTAssertEqual(event.content, "hi")
    }

    func testParsesOKAcceptedAndRejected() throws {
        XCTAssertEqual(
            try RelayMessage(json: #"["OK","abc",true,""]"#),
            .ok(eventID: "abc", accepted: true, message: ""))
        let rejected = try RelayMessage(json: #"["OK","abc",false,"blocked: you are banned"]"#)
        guard case .ok(_, false, let status) = rejected else { return XCTFail("got \(rejected)") }
        XCTAssertEqual(status.prefix, .blocked)
        XCTAssertEqual(status.reason, "you are banned")
        XCTAssertEqual(status.raw, "blocked: you are banned")
    }

    func testParsesEOSEClosedNoticeAuth() throws {
        XCTAssertEqual(try RelayMessage(json: #"["EOSE","s"]"#), .endOfStoredEvents(subscriptionID: "s"))
        XCTAssertEqual(
            try RelayMessage(json: #"["CLOSED","s","auth-required: log in"]"#),
            .closed(subscriptionID: "s", message: "auth-required: log in"))
        XCTAssertEqual(try RelayMessage(json: #"["NOTICE","slow down"]"#), .notice("slow down"))
        XCTAssertEqual(try RelayMessage(json: #"["AUTH","challenge-123"]"#), .auth(challenge: "challenge-123"))
    }

    func testToleratesWhitespaceAndUnicode() throws {
        XCTAssertEqual(try RelayMessage(json: " [ \"NOTICE\" ,\n \"h\\u00e9 日本 🤙\" ] "), .notice("hé 日本 🤙"))
    }

    func testRelayMessagesRoundTrip() throws {
        let messages: [RelayMessage] = [
            .event(subscriptionID: "sub", event: RelayFixtures.event(tags: [["p", RelayFixtures.pubkey]], content: "a/b \"q\" \n 日本")),
            .ok(eventID: "id", accepted: false, message: "duplicate: have it"),
            .ok(eventID: "id", accepted: true, message: ""),
            .endOfStoredEvents(subscriptionID: "sub"),
            .closed(subscriptionID: "sub", message: "error: shutting down idle subscription"),
            .notice("hello"),
            .auth(challenge: "c"),
        ]
        for message in messages {
            XCTAssertEqual(try RelayMessage(json: try message.jsonString()), message)
        }
    }

    // MARK: Machine-readable prefixes

    func testEveryStandardPrefixDecodes() {
        let cases: [(String, RelayStatusMessage.Prefix)] = [
            ("duplicate", .duplicate), ("pow", .pow), ("blocked", .blocked), ("rate-limited", .rateLimited),
            ("invalid", .invalid), ("error", .error), ("auth-required", .authRequired), ("restricted", .restricted),
            ("unsupported", .unsupported),
        ]
        for (word, prefix) in cases {
            let status = RelayStatusMessage("\(word): some reason")
            XCTAssertEqual(status.prefix, prefix, word)
            XCTAssertEqual(status.reason, "some reason", word)
            XCTAssertEqual(prefix.word, word)
            XCTAssertEqual(RelayStatusMessage(prefix: prefix, reason: "x").raw, "\(word): x")
        }
    }

    func testPrefixEdgeCases() {
        XCTAssertEqual(RelayStatusMessage("mute: no").prefix, .other("mute"))
        XCTAssertEqual(RelayStatusMessage("Duplicate: already have it").prefix, .duplicate)
        XCTAssertEqual(RelayStatusMessage("duplicate:").prefix, .duplicate)
        XCTAssertEqual(RelayStatusMessage("duplicate:").reason, "")
        XCTAssertEqual(RelayStatusMessage("pow:28").reason, "28")
        XCTAssertNil(RelayStatusMessage("").prefix)
        XCTAssertNil(RelayStatusMessage("no prefix here").prefix)
        XCTAssertEqual(RelayStatusMessage("  no prefix here ").reason, "no prefix here")
        XCTAssertNil(RelayStatusMessage("Error 500: boom").prefix, "two words are prose, not a prefix")
        XCTAssertNil(RelayStatusMessage(": empty word").prefix)
        XCTAssertNil(RelayStatusMessage("blocked : spaced").prefix)
        XCTAssertNil(RelayStatusMessage("über: x").prefix)
    }

    func testPublishOutcomeTreatsDuplicateAsSuccess() {
        XCTAssertTrue(PublishOutcome(okAccepted: true, message: "").isSuccess)
        XCTAssertTrue(PublishOutcome(okAccepted: true, message: "duplicate: have it").isSuccess)
        XCTAssertTrue(PublishOutcome(okAccepted: false, message: "duplicate: have it").isSuccess)
        XCTAssertEqual(PublishOutcome(okAccepted: false, message: "pow: need 20"), .rejected("pow: need 20"))
        XCTAssertFalse(PublishOutcome(okAccepted: false, message: "").isSuccess)
        XCTAssertFalse(PublishOutcome.failed(RelayError(.timeout, "t")).isSuccess)
    }

    // MARK: Client → relay

    func testSerializesClientMessages() throws {
        XCTAssertEqual(try ClientMessage.close(subscriptionID: "s1").jsonString(), #"["CLOSE","s1"]"#)
        XCTAssertEqual(
            try ClientMessage.req(
                subscriptionID: "s1",
                filters: [Filter(kinds: [5900], tags: ["p": ["x"], "e": ["y"]], since: 10), Filter(ids: ["z"], limit: 1)]
            ).jsonString(),
            ##"["REQ","s1",{"#e":["y"],"#p":["x"],"kinds":[5900],"since":10},{"ids":["z"],"limit":1}]"##)
        let event = RelayFixtures.event(tags: [["r", "wss://relay.example/path"]])
        let json = try ClientMessage.event(event).jsonString()
        XCTAssertTrue(json.hasPrefix(#"["EVENT",{"#), json)
        XCTAssertTrue(json.contains(#""created_at":1700000000"#), json)
        XCTAssertTrue(json.contains("wss://relay.example/path"), "slashes stay unescaped: \(json)")
        XCTAssertEqual(try ClientMessage(json: json), .event(event))
        let auth = try ClientMessage.auth(event).jsonString()
        XCTAssertTrue(auth.hasPrefix(#"["AUTH",{"#), auth)
        XCTAssertEqual(try ClientMessage(json: auth), .auth(event))
    }

    func testClientMessagesRoundTrip() throws {
        let messages: [ClientMessage] = [
            .event(RelayFixtures.event()),
            .req(subscriptionID: String(repeating: "x", count: 64), filters: [Filter()]),
            .req(subscriptionID: "a", filters: [Filter(authors: [RelayFixtures.pubkey], kinds: [1, 7000], until: 5), Filter(tags: ["t": []])]),
            .close(subscriptionID: "a"),
            .auth(RelayFixtures.event(kind: 22242, tags: [["relay", "ws://x"], ["challenge", "c"]], content: "")),
        ]
        for message in messages {
            XCTAssertEqual(try ClientMessage(json: try message.jsonString()), message)
        }
    }

    func testClientMessageValidation() {
        assertThrows(try ClientMessage(json: #"["REQ","s"]"#), .malformedMessage)
        assertThrows(try ClientMessage(json: #"["REQ","",{}]"#), .invalidSubscriptionID)
        assertThrows(try ClientMessage(json: #"["REQ","\#(String(repeating: "x", count: 65))",{}]"#), .invalidSubscriptionID)
        assertThrows(try ClientMessage(json: #"["CLOSE",""]"#), .invalidSubscriptionID)
        assertThrows(try ClientMessage(json: #"["REQ","s",{"kinds":["1"]}]"#), .malformedMessage)
        assertThrows(try ClientMessage(json: ##"["REQ","s",{"#e":"not-a-list"}]"##), .malformedMessage)
        assertThrows(try ClientMessage(json: #"["REQ","s",[]]"#), .malformedMessage)
        assertThrows(try ClientMessage(json: #"["COUNT","s",{}]"#), .unsupportedMessage)
        assertThrows(try ClientMessage(json: #"["CLOSE","s","extra"]"#), .malformedMessage)
        XCTAssertThrowsError(try ClientMessage.validateSubscriptionID(""))
        XCTAssertNoThrow(try ClientMessage.validateSubscriptionID("x"))
    }

    // MARK: Malformed relay frames

    func testMalformedFramesThrowTypedErrors() {
        let malformed = [
            "", " ", "null", "true", "1", "\"EVENT\"", "{}", #"{"0":"EVENT"}"#, "[]", "[1]", "[null]", "[[\"EOSE\"]]",
            // (Foundation's parser tolerates a trailing comma, as in `["EOSE","s",]`; harmless, so not listed.)
            "[\"EOSE\"", "[\"EOSE\",\"s\"", "[\"EOSE\",\"s\"]]", "[\"EOSE\",]", "[,\"EOSE\",\"s\"]",
            // Arity.
            #"["EOSE"]"#, #"["EOSE","s","x"]"#, #"["NOTICE"]"#, #"["NOTICE","a","b"]"#, #"["AUTH"]"#,
            #"["OK","id",true]"#, #"["OK","id"]"#, #"["OK","id",true,"",""]"#,
            #"["CLOSED","s"]"#, #"["EVENT","s"]"#, #"["EVENT"]"#, #"["EVENT",\#(RelayFixtures.eventJSON)]"#,
            #"["EVENT","s",\#(RelayFixtures.eventJSON),1]"#,
            // Element types.
            #"["EOSE",1]"#, #"["EOSE",null]"#, #"["OK","id","true",""]"#, #"["OK","id",1,""]"#, #"["OK",1,true,""]"#,
            #"["OK","id",true,null]"#, #"["CLOSED","s",5]"#, #"["NOTICE",{}]"#, #"["AUTH",[]]"#,
            #"["EVENT","s","not an object"]"#, #"["EVENT","s",{}]"#, #"[1,"s"]"#, #"[null,"s"]"#,
            // Event fields.
            #"["EVENT","s",{"id":"a","pubkey":"b","created_at":"1","kind":1,"tags":[],"content":"","sig":"c"}]"#,
            #"["EVENT","s",{"id":"a","pubkey":"b","created_at":1.5,"kind":1,"tags":[],"content":"","sig":"c"}]"#,
            #"["EVENT","s",{"id":"a","pubkey":"b","created_at":99999999999999999999999,"kind":1,"tags":[],"content":"","sig":"c"}]"#,
            #"["EVENT","s",{"id":"a","pubkey":"b","created_at":1,"kind":1,"tags":[1],"content":"","sig":"c"}]"#,
            #"["EVENT","s",{"id":"a","pubkey":"b","created_at":1,"kind":1,"tags":[[null]],"content":"","sig":"c"}]"#,
            #"["EVENT","s",{"id":"a","pubkey":"b","created_at":1,"kind":1,"tags":[],"content":null,"sig":"c"}]"#,
            #"["EVENT","s",{"id":"a","pubkey":"b","created_at":1,"kind":1,"tags":[],"content":""}]"#,
            // Not JSON.
            "[\"NOTICE\",\"unterminated]", "[\"NOTICE\",'single']", "[\"NOTICE\",\"\\x41\"]", "NaN", "[NaN]",
            "[\"NOTICE\",\"a\"] trailing", "\u{FEFF}\u{FEFF}[]",
        ]
        for frame in malformed {
            XCTAssertThrowsError(try RelayMessage(json: frame), "accepted: \(frame)") { error in
                XCTAssertEqual((error as? RelayError)?.code, .malformedMessage, "\(frame): \(error)")
            }
        }
    }

    func testUnknownTypesAreUnsupportedNotMalformed() {
        for frame in [#"["COUNT","s",{"count":1}]"#, #"["NEG-MSG","s","00"]"#, #"["event","s",{}]"#, #"["",1]"#] {
            assertThrows(try RelayMessage(json: frame), .unsupportedMessage)
        }
    }

    func testErrorMessagesAreHelpfulAndBounded() {
        do {
            _ = try RelayMessage(json: #"["OK","id","yes",""]"#)
            XCTFail("accepted")
        } catch {
            XCTAssertTrue(error.message.contains("[2]"), error.message)
        }
        do {
            _ = try RelayMessage(json: "[\"\(String(repeating: "X", count: 10_000))\"]")
            XCTFail("accepted")
        } catch {
            XCTAssertEqual(error.code, .unsupportedMessage)
            XCTAssertLessThan(error.message.count, 200, "relay-controlled text must be truncated")
        }
    }

    func testInvalidUTF8AndDeepNestingThrow() {
        XCTAssertThrowsError(try RelayMessage(json: Data([0x5B, 0x22, 0xFF, 0xFE, 0x22, 0x5D])))
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try RelayMessage(json: deep))
        let deepEvent = #"["EVENT","s",{"id":"a","pubkey":"b","created_at":1,"kind":1,"tags":"#
            + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + #","content":"","sig":"c"}]"#
        XCTAssertThrowsError(try RelayMessage(json: deepEvent))
    }

    // MARK: Fuzzing: nothing may crash, everything that fails must fail with RelayError

    func testRandomBytesNeverCrash() {
        var rng = RelayFuzzRandom(seed: 0x5EED_0001)
        for _ in 0..<3_000 {
            let count = Int.random(in: 0..<200, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Random bytes almost never form a JSON array; force a non-'[' start to guarantee failure.
            if bytes.first == UInt8(ascii: "[") || bytes.first.map({ $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) == true {
                bytes[0] = UInt8(ascii: "x")
            }
            XCTAssertThrowsError(try RelayMessage(json: Data(bytes))) { error in
                XCTAssertTrue(error is RelayError, "\(error)")
            }
        }
    }

    func testRandomTokenSoupNeverCrashes() {
        var rng = RelayFuzzRandom(seed: 0x5EED_0002)
        let tokens = [
            "[", "]", "{", "}", ",", ":", "\"EVENT\"", "\"OK\"", "\"EOSE\"", "\"CLOSED\"", "\"NOTICE\"", "\"AUTH\"",
            "\"s\"", "true", "false", "null", "0", "-1", "1e999", "\"id\"", "\"created_at\"", "\"tags\"", "\"\\u0000\"",
            "\"\\ud800\"", "1.5", "\"\"", " ", "\"kind\"", "9223372036854775808",
        ]
        var parsed = 0
        for _ in 0..<5_000 {
            let count = Int.random(in: 1..<30, using: &rng)
            let frame = (0..<count).map { _ in tokens.randomElement(using: &rng)! }.joined()
            do {
                _ = try RelayMessage(json: frame)
                parsed += 1
            } catch {
                // Typed throws: reaching here means a RelayError, which is the point.
                XCTAssertFalse(error.message.isEmpty)
            }
        }
        XCTAssertLessThan(parsed, 5_000)
    }

    func testMutatedValidFramesNeverCrash() throws {
        var rng = RelayFuzzRandom(seed: 0x5EED_0003)
        let valid = [
            #"["EVENT","sub1",\#(RelayFixtures.eventJSON)]"#,
            #"["OK","\#(String(repeating: "a", count: 64))",false,"duplicate: already have this event"]"#,
            #"["EOSE","sub1"]"#, #"["CLOSED","sub1","auth-required: please"]"#, #"["NOTICE","hello"]"#, #"["AUTH","abc"]"#,
        ].map { Array($0.utf8) }
        let interesting: [UInt8] = Array("[]{},:\"\\0123456789-.etrufalsn \u{7F}".utf8) + [0x00, 0xC3, 0xFF]
        var parsed = 0
        var failed = 0
        for _ in 0..<6_000 {
            var bytes = valid.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                guard !bytes.isEmpty else { break }
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: bytes[position] = interesting.randomElement(using: &rng)!
                case 1: bytes.remove(at: position)
                case 2: bytes.insert(interesting.randomElement(using: &rng)!, at: position)
                case 3: bytes.removeSubrange(position...)
                default: bytes[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                }
            }
            do {
                let message = try RelayMessage(json: Data(bytes))
                parsed += 1
                // Whatever parses must serialize and parse back to the same value.
                XCTAssertEqual(try RelayMessage(json: try message.jsonString()), message)
            } catch {
                failed += 1
            }
        }
        XCTAssertGreaterThan(failed, 1_000, "mutations should mostly break frames")
        XCTAssertGreaterThan(parsed, 0, "some mutations (e.g. inside strings) keep frames valid")
    }

    func testMutatedClientFramesNeverCrash() {
        var rng = RelayFuzzRandom(seed: 0x5EED_0004)
        let base = Array(##"["REQ","s",{"kinds":[1],"#e":["x"],"since":1,"limit":2},{"authors":["y"]}]"##.utf8)
        for _ in 0..<3_000 {
            var bytes = base
            let position = Int.random(in: 0..<bytes.count, using: &rng)
            bytes[position] = UInt8.random(in: 0x20...0x7E, using: &rng)
            if let message = try? ClientMessage(json: String(decoding: bytes, as: UTF8.self)) {
                XCTAssertNoThrow(try message.jsonString())
            }
        }
    }

    private func assertThrows<T>(
        _ expression: @autoclosure () throws -> T,
        _ code: RelayError.Code,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            XCTAssertEqual((error as? RelayError)?.code, code, "\(error)", file: file, line: line)
        }
    }
}
