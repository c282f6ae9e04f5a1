import ComputeAPI
import XCTest

final class QuantityTests: XCTestCase {
    func testParsesDecimalAndBinarySuffixes() {
        XCTAssertEqual(Quantity("500m").milliValue, 500)
        XCTAssertEqual(Quantity("2").milliValue, 2000)
        XCTAssertEqual(Quantity("1.5").milliValue, 1500)
        XCTAssertEqual(Quantity("16Gi").value, 16 << 30)
        XCTAssertEqual(Quantity("1k").value, 1000)
        XCTAssertEqual(Quantity("1e3").value, 1000)
        XCTAssertEqual(Quantity("128974848").value, 128_974_848)
        // Rounds up like Kubernetes' Value(): a fraction of a byte is a byte.
        XCTAssertEqual(Quantity("100m").value, 1)
        XCTAssertEqual(Quantity("1n").milliValue, 1)
    }

    func testRefusesWhatTheSchemaRefuses() {
        for text in ["", "lots", "-1", "1.2.3", "2 Gi", "Gi", "1gi"] {
            XCTAssertFalse(Quantity(text).isValid, text)
            XCTAssertNil(Quantity(text).value, text)
        }
    }

    func testDecodesIntegersAndStringsAndEncodesStrings() throws {
        let decoded = try JSONDecoder().decode([Quantity].self, from: Data(#"[2, "500m"]"#.utf8))
        XCTAssertEqual(decoded, ["2", "500m"])
        XCTAssertEqual(String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self), #"["2","500m"]"#)
    }
}
