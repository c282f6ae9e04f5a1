@testable import Billing
import XCTest

final class CashuCBORTests: XCTestCase {
    func testRoundTripsEveryKindItSupports() throws {
        let value = CashuCBOR.map([
            (.text("n"), .unsigned(0)),
            (.text("big"), .unsigned(UInt64.max)),
            (.text("mid"), .unsigned(70_000)),
            (.text("b"), .bytes([0, 1, 2, 255])),
            (.text("t"), .text("héllo")),
            (.text("a"), .array([.bool(true), .bool(false), .null, .array([])])),
        ])
        XCTAssertEqual(try CashuCBOR.decode(value.encoded()), value)
    }

    func testEncodesIntegersAndLengthsInShortestForm() {
        XCTAssertEqual(CashuCBOR.unsigned(23).encoded(), [0x17])
        XCTAssertEqual(CashuCBOR.unsigned(24).encoded(), [0x18, 24])
        XCTAssertEqual(CashuCBOR.unsigned(256).encoded(), [0x19, 1, 0])
        XCTAssertEqual(CashuCBOR.unsigned(65_536).encoded(), [0x1a, 0, 1, 0, 0])
        XCTAssertEqual(CashuCBOR.unsigned(1 << 32).encoded(), [0x1b, 0, 0, 0, 1, 0, 0, 0, 0])
        XCTAssertEqual(CashuCBOR.text("a").encoded(), [0x61, 0x61])
    }

    func testRefusesWhatTokensNeverContain() {
        let refused: [[UInt8]] = [
            [0x20],                    // negative integer
            [0xf9, 0x3c, 0x00],        // half float
            [0xc2, 0x41, 0x00],        // tag
            [0x5f, 0xff],              // indefinite byte string
            [0x9f, 0xff],              // indefinite array
            [0xf7],                    // undefined
            [0x1c],                    // reserved additional information
        ]
        for bytes in refused {
            XCTAssertThrowsError(try CashuCBOR.decode(bytes), "\(bytes)")
        }
    }

    func testBoundsChecksEveryLength() {
        XCTAssertThrowsError(try CashuCBOR.decode([]))
        XCTAssertThrowsError(try CashuCBOR.decode([0x18]))                      // argument byte missing
        XCTAssertThrowsError(try CashuCBOR.decode([0x42, 0x00]))                // 2 bytes announced, 1 present
        XCTAssertThrowsError(try CashuCBOR.decode([0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))  // 2^64-1 bytes
        XCTAssertThrowsError(try CashuCBOR.decode([0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))  // huge array
        XCTAssertThrowsError(try CashuCBOR.decode([0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))  // huge map
        XCTAssertThrowsError(try CashuCBOR.decode([0x81]))                      // array missing its item
        XCTAssertThrowsError(try CashuCBOR.decode([0x00, 0x00]))                // trailing byte
        XCTAssertThrowsError(try CashuCBOR.decode([0x62, 0xff, 0xfe]))          // invalid UTF-8
        XCTAssertThrowsError(try CashuCBOR.decode([0xa2, 0x61, 0x61, 0x00, 0x61, 0x61, 0x01]))  // duplicate key
    }

    func testRefusesNestingDeeperThanTheLimit() {
        let deep = [UInt8](repeating: 0x81, count: 100) + [0x00]
        XCTAssertThrowsError(try CashuCBOR.decode(deep))
        let fine = [UInt8](repeating: 0x81, count: 10) + [0x00]
        XCTAssertNoThrow(try CashuCBOR.decode(fine))
    }

    func testSurvivesRandomAndTruncatedInput() {
        var generator = SystemRandomNumberGenerator()
        let valid = CashuCBOR.map([(.text("t"), .array([.map([(.text("i"), .bytes([1, 2, 3]))])]))]).encoded()
        for length in 0..<valid.count { _ = try? CashuCBOR.decode(Array(valid.prefix(length))) }
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? CashuCBOR.decode(bytes)
        }
    }
}
