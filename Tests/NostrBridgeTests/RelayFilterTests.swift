import Foundation
import XCTest

@testable import NostrBridge

final class RelayFilterTests: XCTestCase {
    let event = RelayFixtures.event(
        id: RelayFixtures.id(7),
        createdAt: 1_000,
        kind: 5900,
        tags: [["e", "root", "wss://r", "root"], ["p", RelayFixtures.otherPubkey], ["t", "gpu"], ["d"], []]
    )

    func testEmptyFilterMatchesEverything() {
        XCTAssertTrue(Filter().matches(self.event))
    }

    func testScalarConditions() {
        XCTAssertTrue(Filter(ids: [RelayFixtures.id(1), RelayFixtures.id(7)]).matches(self.event))
        XCTAssertFalse(Filter(ids: [RelayFixtures.id(1)]).matches(self.event))
        XCTAssertTrue(Filter(authors: [RelayFixtures.pubkey]).matches(self.event))
        XCTAssertFalse(Filter(authors: [RelayFixtures.otherPubkey]).matches(self.event))
        XCTAssertTrue(Filter(kinds: [1, 5900]).matches(self.event))
        XCTAssertFalse(Filter(kinds: [5901]).matches(self.event))
    }

    func testTimeBoundsAreInclusive() {
        XCTAssertTrue(Filter(since: 1_000).matches(self.event))
        XCTAssertFalse(Filter(since: 1_001).matches(self.event))
        XCTAssertTrue(Filter(until: 1_000).matches(self.event))
        XCTAssertFalse(Filter(until: 999).matches(self.event))
        XCTAssertTrue(Filter(since: 1_000, until: 1_000).matches(self.event))
        XCTAssertFalse(Filter(since: 1_001, until: 999).matches(self.event))
    }

    func testTagConditions() {
        XCTAssertTrue(Filter(tags: ["e": ["root"]]).matches(self.event))
        XCTAssertTrue(Filter(tags: ["p": ["nobody", RelayFixtures.otherPubkey]]).matches(self.event))
        XCTAssertFalse(Filter(tags: ["p": [RelayFixtures.pubkey]]).matches(self.event))
        XCTAssertFalse(Filter(tags: ["e": ["wss://r"]]).matches(self.event), "only the first value is indexed")
        XCTAssertFalse(Filter(tags: ["d": [""]]).matches(self.event), "a tag without a value matches nothing")
        XCTAssertFalse(Filter(tags: ["E": ["root"]]).matches(self.event), "tag names are case-sensitive")
        XCTAssertTrue(Filter(tags: ["e": ["root"], "t": ["gpu"]]).matches(self.event))
        XCTAssertFalse(Filter(tags: ["e": ["root"], "t": ["cpu"]]).matches(self.event), "tag conditions are ANDed")
    }

    func testAllConditionsMustHold() {
        XCTAssertTrue(Filter(authors: [RelayFixtures.pubkey], kinds: [5900], tags: ["t": ["gpu"]], since: 900).matches(self.event))
        XCTAssertFalse(Filter(authors: [RelayFixtures.pubkey], kinds: [5900], tags: ["t": ["gpu"]], since: 1_100).matches(self.event))
    }

    func testEmptyListsMatchNothing() {
        XCTAssertFalse(Filter(ids: []).matches(self.event))
        XCTAssertFalse(Filter(kinds: []).matches(self.event))
        XCTAssertFalse(Filter(tags: ["e": []]).matches(self.event))
    }

    func testLimitIsIgnoredLocally() {
        XCTAssertTrue(Filter(limit: 0).matches(self.event))
    }

    func testFiltersOfOneRequestAreAlternatives() {
        XCTAssertTrue([Filter(kinds: [1]), Filter(kinds: [5900])].anyMatches(self.event))
        XCTAssertFalse([Filter(kinds: [1]), Filter(kinds: [2])].anyMatches(self.event))
        XCTAssertFalse([Filter]().anyMatches(self.event))
    }

    // MARK: Codable

    func testEncodesWithHashTagKeysInStableOrder() throws {
        let filter = Filter(
            ids: ["i"], authors: ["a"], kinds: [1], tags: ["p": ["x"], "e": ["y", "z"], "T": ["w"]], since: 5, until: 6, limit: 7)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(filter), as: UTF8.self)
        XCTAssertEqual(
            json, ##"{"#T":["w"],"#e":["y","z"],"#p":["x"],"authors":["a"],"ids":["i"],"kinds":[1],"limit":7,"since":5,"until":6}"##)
        XCTAssertEqual(String(decoding: try JSONEncoder().encode(Filter()), as: UTF8.self), "{}")
    }

    func testDecodes() throws {
        let json = ##"{"kinds":[5900,5901],"#p":["pk"],"#e":[],"since":1700000000,"limit":10,"search":"ignored","#":["ignored"]}"##
        let filter = try JSONDecoder().decode(Filter.self, from: Data(json.utf8))
        XCTAssertEqual(filter, Filter(kinds: [5900, 5901], tags: ["p": ["pk"], "e": []], since: 1_700_000_000, limit: 10))
    }

    func testRoundTrips() throws {
        let filters = [
            Filter(),
            Filter(ids: [RelayFixtures.id(1)], authors: [RelayFixtures.pubkey], kinds: [0, 3, 30000], since: 0, until: .max, limit: 0),
            Filter(tags: ["a": ["31900:\(RelayFixtures.pubkey):offer"], "d": ["x"], "long": ["kept"]]),
        ]
        for filter in filters {
            XCTAssertEqual(try JSONDecoder().decode(Filter.self, from: try JSONEncoder().encode(filter)), filter)
        }
    }

    func testRejectsWrongTypes() {
        for json in [#"{"kinds":"1"}"#, #"{"kinds":[1.5]}"#, #"{"ids":[1]}"#, ##"{"#e":"x"}"##, #"{"since":"now"}"#, #"{"limit":-1.5}"#, "[]"] {
            XCTAssertThrowsError(try JSONDecoder().decode(Filter.self, from: Data(json.utf8)), json)
        }
    }
}
