import NostrBridge
import XCTest

final class KindAndTagTests: XCTestCase {
    let key = SecretKey.generate()

    func testKindClassification() {
        let expectations: [(Int, KindClass)] = [
            (0, .replaceable), (1, .regular), (2, .regular), (3, .replaceable), (4, .regular), (44, .regular),
            (1000, .regular), (5900, .regular), (7000, .regular), (9999, .regular),
            (10000, .replaceable), (13194, .replaceable), (19999, .replaceable),
            (20000, .ephemeral), (22242, .ephemeral), (29999, .ephemeral),
            (30000, .addressable), (31900, .addressable), (39999, .addressable), (40000, .regular),
        ]
        for (kind, expected) in expectations {
            XCTAssertEqual(KindClass(kind: kind), expected, "kind \(kind)")
        }
    }

    func testTagHelpers() throws {
        let event = try EventBuilder(kind: 5900, content: "")
            .tag("i", "data", "text")
            .tag("p", "aa")
            .tag("p", "bb", "wss://relay")
            .tag("e", "cc")
            .tag("encrypted")
            .tag("d")
            .sign(with: key)
        XCTAssertEqual(event.firstTagValue("p"), "aa")
        XCTAssertEqual(event.tagValues("p"), ["aa", "bb"])
        XCTAssertEqual(event.referencedPubkeys, ["aa", "bb"])
        XCTAssertEqual(event.referencedEventIDs, ["cc"])
        XCTAssertEqual(event.tags(named: "p").last, ["p", "bb", "wss://relay"])
        XCTAssertTrue(event.hasTag("encrypted"))
        XCTAssertNil(event.firstTagValue("encrypted"), "a bare tag has no value")
        XCTAssertNil(event.firstTagValue("missing"))
        XCTAssertEqual(event.dTag, "", "a d tag without a value counts as empty")
    }

    func testCoordinates() throws {
        let offer = try EventBuilder(kind: 31900, content: "", tags: [["d", "gpu-a100"]]).sign(with: key)
        XCTAssertEqual(offer.coordinate, EventCoordinate(kind: 31900, pubkey: key.publicKey.hex, identifier: "gpu-a100"))
        XCTAssertEqual(offer.coordinate?.description, "31900:\(key.publicKey.hex):gpu-a100")
        XCTAssertEqual(EventCoordinate(aTag: "31900:\(key.publicKey.hex):a:b"), EventCoordinate(kind: 31900, pubkey: key.publicKey.hex, identifier: "a:b"))
        XCTAssertNil(EventCoordinate(aTag: "31900:nothex:x"))
        XCTAssertNil(EventCoordinate(aTag: "x:\(key.publicKey.hex):x"))

        // Replaceable kinds ignore the d tag; regular and ephemeral kinds have no slot.
        let metadata = try EventBuilder(kind: 0, content: "{}", tags: [["d", "ignored"]]).sign(with: key)
        XCTAssertEqual(metadata.coordinate, EventCoordinate(kind: 0, pubkey: key.publicKey.hex, identifier: ""))
        XCTAssertNil(try EventBuilder(kind: 1, content: "").sign(with: key).coordinate)
        XCTAssertNil(try EventBuilder(kind: 20001, content: "").sign(with: key).coordinate)
    }

    func testAddressableOrderingNewestWinsThenLowestID() throws {
        func version(_ createdAt: Int64, _ content: String) throws -> NostrEvent {
            try EventBuilder(kind: 31900, content: content, tags: [["d", "slot"]], createdAt: createdAt).sign(with: key)
        }
        let old = try version(100, "old")
        let new = try version(200, "new")
        XCTAssertTrue(new.replaces(old))
        XCTAssertFalse(old.replaces(new))

        // Same second: the lower id wins, whichever arrives first.
        var tied = try (0..<6).map { try version(300, "tie \($0)") }
        let lowest = try XCTUnwrap(tied.min { $0.id < $1.id })
        for other in tied where other.id != lowest.id {
            XCTAssertTrue(lowest.replaces(other))
            XCTAssertFalse(other.replaces(lowest))
        }
        XCTAssertEqual(NostrEvent.latest(of: tied)?.id, lowest.id)
        tied.reverse()
        XCTAssertEqual(NostrEvent.latest(of: tied + [old, new])?.id, lowest.id)
        XCTAssertFalse(lowest.replaces(lowest), "an event does not replace itself")

        // Different slots never replace each other.
        let otherSlot = try EventBuilder(kind: 31900, content: "", tags: [["d", "other"]], createdAt: 999).sign(with: key)
        XCTAssertFalse(otherSlot.replaces(old))
        let otherAuthor = try EventBuilder(kind: 31900, content: "", tags: [["d", "slot"]], createdAt: 999).sign(with: SecretKey.generate())
        XCTAssertFalse(otherAuthor.replaces(old))
        // Regular events are never replaced.
        let note1 = try EventBuilder(kind: 1, content: "a", createdAt: 1).sign(with: key)
        let note2 = try EventBuilder(kind: 1, content: "b", createdAt: 2).sign(with: key)
        XCTAssertFalse(note2.replaces(note1))
    }

    func testExpiration() throws {
        let expiring = try EventBuilder(kind: 1, content: "", tags: [["expiration", "1700000000"]]).sign(with: key)
        XCTAssertEqual(expiring.expiration, 1_700_000_000)
        XCTAssertFalse(expiring.isExpired(at: 1_699_999_999))
        XCTAssertTrue(expiring.isExpired(at: 1_700_000_000))
        XCTAssertTrue(expiring.isExpired(at: 1_800_000_000))

        for junk in ["", "soon", "-5", "+5", "1e9", " 17"] {
            let event = try EventBuilder(kind: 1, content: "", tags: [["expiration", junk]]).sign(with: key)
            XCTAssertNil(event.expiration, junk)
            XCTAssertFalse(event.isExpired(at: .max), junk)
        }
        XCTAssertFalse(try EventBuilder(kind: 1, content: "").sign(with: key).isExpired())
    }
}
