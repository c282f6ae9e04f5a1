import ComputeAPI
import XCTest

final class TimestampTests: XCTestCase {
    func testWritesRFC3339InUTCWithWholeSeconds() throws {
        let time = Timestamp(Date(timeIntervalSince1970: 1_795_550_400.75))
        XCTAssertEqual(time.rfc3339, "2026-11-24T20:00:00Z")
        XCTAssertEqual(String(decoding: try JSONEncoder().encode([time]), as: UTF8.self), #"["2026-11-24T20:00:00Z"]"#)
    }

    func testReadsFractionsAndOffsets() {
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-24T20:00:00.123456Z")?.rfc3339, "2026-11-24T20:00:00Z")
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-24T22:00:00+02:00")?.rfc3339, "2026-11-24T20:00:00Z")
        XCTAssertNil(Timestamp(rfc3339: "yesterday"))
        XCTAssertNil(Timestamp(rfc3339: "2026-11-24"))
    }

    func testRefusesToDecodeANonTime() {
        XCTAssertThrowsError(try JSONDecoder().decode([Timestamp].self, from: Data(#"["soon"]"#.utf8)))
    }
}
