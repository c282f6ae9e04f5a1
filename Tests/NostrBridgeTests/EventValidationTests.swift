import NostrBridge
import XCTest

final class EventValidationTests: XCTestCase {
    let key = SecretKey.generate()
    let now: Int64 = 1_700_000_000

    func makeEvent(content: String = "hello", kind: Int = 1, tags: [[String]] = [["t", "test"]]) throws -> NostrEvent {
        try EventBuilder(kind: kind, content: content, tags: tags, createdAt: now).sign(with: key)
    }

    func assertRejected(
        _ event: NostrEvent, _ expected: EventError, maxSkew: Int64 = 900, maxAge: Int64? = nil, maxSize: Int = 131_072,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try event.validate(now: now, maxSkew: maxSkew, maxAge: maxAge, maxSize: maxSize), file: file, line: line) {
            XCTAssertEqual($0 as? EventError, expected, "got \($0)", file: file, line: line)
        }
    }

    func testSignedEventValidates() throws {
        let event = try makeEvent()
        XCTAssertNoThrow(try event.validate(now: now))
        XCTAssertEqual(event.pubkey, key.publicKey.hex)
        XCTAssertEqual(event.id, event.computedID())
        XCTAssertTrue(event.hasValidSignature())
    }

    func testStaticSignAPI() throws {
        let event = try NostrEvent.sign(kind: 7, tags: [["e", String(repeating: "0", count: 64)]], content: "+", with: key)
        XCTAssertNoThrow(try event.validate())
        XCTAssertLessThanOrEqual(abs(event.createdAt - NostrEvent.currentTimestamp()), 2)
    }

    func testTamperedContentFailsWithIDMismatch() throws {
        var event = try makeEvent()
        event.content = "hellO"
        assertRejected(event, .idMismatch)
    }

    func testTamperedTagsAndTimestampFailWithIDMismatch() throws {
        var event = try makeEvent()
        event.tags.append(["p", key.publicKey.hex])
        assertRejected(event, .idMismatch)
        event = try makeEvent()
        event.createdAt += 1
        assertRejected(event, .idMismatch)
    }

    func testTamperedIDFails() throws {
        var event = try makeEvent()
        event.id = String(event.id.reversed())
        assertRejected(event, .idMismatch)
    }

    func testTamperedSignatureFails() throws {
        var event = try makeEvent()
        let last = event.sig.last == "0" ? "1" : "0"
        event.sig = String(event.sig.dropLast()) + last
        assertRejected(event, .invalidSignature)
    }

    func testSignatureByAnotherKeyFails() throws {
        let other = SecretKey.generate()
        var event = try makeEvent()
        // Claim someone else's pubkey but keep a self-consistent id: only the signature can tell.
        event.pubkey = other.publicKey.hex
        event.id = event.computedID()
        assertRejected(event, .invalidSignature)
    }

    func testOffCurvePubkeyFails() throws {
        var event = try makeEvent()
        event.pubkey = "eefdea4cdb677750a420fee807eacf21eb9898ae79b9768766e4faa04a2d4a34"  // BIP-340 vector 5
        event.id = event.computedID()
        assertRejected(event, .invalidPublicKey)
    }

    func testHexFieldShapeErrorsNameTheField() throws {
        let event = try makeEvent()
        var copy = event
        copy.id = event.id.uppercased()
        assertRejected(copy, .uppercaseHex(field: .id))
        copy = event
        copy.pubkey = String(event.pubkey.dropLast())
        assertRejected(copy, .wrongLength(field: .pubkey))
        copy = event
        copy.sig = String(event.sig.dropLast()) + "g"
        assertRejected(copy, .invalidHex(field: .sig))
        copy = event
        copy.sig = event.sig + "00"
        assertRejected(copy, .wrongLength(field: .sig))
        // Field identity matters for equality; the detail text does not.
        XCTAssertNotEqual(EventError.invalidHex(field: .id), EventError.invalidHex(field: .sig))
    }

    func testCreatedAtWindow() throws {
        let future = try EventBuilder(kind: 1, content: "x", createdAt: now + 901).sign(with: key)
        assertRejected(future, .createdAtInFuture)
        XCTAssertNoThrow(try future.validate(now: now, maxSkew: 901))

        let old = try EventBuilder(kind: 1, content: "x", createdAt: now - 3600).sign(with: key)
        XCTAssertNoThrow(try old.validate(now: now), "age is unbounded by default")
        assertRejected(old, .createdAtTooOld, maxAge: 3599)

        var negative = old
        negative.createdAt = -1
        assertRejected(negative, .createdAtNegative)

        var extreme = old
        extreme.createdAt = .max
        assertRejected(extreme, .createdAtInFuture)
    }

    func testKindRange() throws {
        var event = try makeEvent()
        event.kind = 65536
        assertRejected(event, .kindOutOfRange)
        XCTAssertThrowsError(try EventBuilder(kind: -1).sign(with: key)) {
            XCTAssertEqual($0 as? EventError, .kindOutOfRange)
        }
    }

    func testSizeLimit() throws {
        let event = try makeEvent(content: String(repeating: "z", count: 2000))
        let size = event.jsonBytes().count
        XCTAssertNoThrow(try event.validate(now: now, maxSize: size))
        assertRejected(event, .tooLarge, maxSize: size - 1)
    }

    func testErrorDescriptionsSayWhatIsWrong() throws {
        var event = try makeEvent()
        event.content = "changed"
        do {
            try event.validate(now: now)
            XCTFail("expected failure")
        } catch {
            XCTAssertTrue(error.description.contains("id does not match"), error.description)
            XCTAssertTrue(error.description.contains(event.computedID()), error.description)
        }
    }
}
