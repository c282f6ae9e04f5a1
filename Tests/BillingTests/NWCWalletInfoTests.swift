@testable import Billing
import NostrBridge
import XCTest

final class NWCWalletInfoTests: XCTestCase {
    private let wallet = SecretKey.generate()

    private func info(_ content: String, tags: [[String]]) throws -> NWCWalletInfo {
        try NWCWalletInfo(event: EventBuilder(kind: 13194, content: content, tags: tags).sign(with: wallet))
    }

    func testBothSchemesOfferedMeansNIP44() throws {
        let info = try info("make_invoice lookup_invoice  get_info\n", tags: [["encryption", "nip44_v2 nip04"], ["notifications", "payment_received payment_sent"]])
        XCTAssertEqual(info.methods, ["make_invoice", "lookup_invoice", "get_info"])
        XCTAssertEqual(info.encryptions, [.nip44v2, .nip04])
        XCTAssertEqual(info.preferredEncryption, .nip44v2)
        XCTAssertEqual(info.notifications, ["payment_received", "payment_sent"])
        XCTAssertTrue(info.supports("make_invoice"))
        XCTAssertFalse(info.supports("pay_invoice"))
    }

    func testNoEncryptionTagMeansNIP04Only() throws {
        let info = try info("pay_invoice get_balance", tags: [])
        XCTAssertEqual(info.encryptions, [.nip04])
        XCTAssertEqual(info.preferredEncryption, .nip04)
        XCTAssertEqual(info.notifications, [])
    }

    func testAnExplicitNIP04TagAndWordsSpreadOverValues() throws {
        XCTAssertEqual(try info("get_info", tags: [["encryption", "nip04"]]).preferredEncryption, .nip04)
        XCTAssertEqual(try info("get_info", tags: [["encryption", "nip04", "nip44_v2"]]).preferredEncryption, .nip44v2)
    }

    func testOnlyUnknownSchemesLeaveNoChoice() throws {
        let info = try info("get_info", tags: [["encryption", "nip44_v3"]])
        XCTAssertNil(info.preferredEncryption)
        XCTAssertEqual(info.unknownEncryptions, ["nip44_v3"])
    }

    func testOtherKindsAreRefused() throws {
        let event = try EventBuilder(kind: 13195, content: "get_info").sign(with: wallet)
        XCTAssertThrowsError(try NWCWalletInfo(event: event)) { error in
            XCTAssertEqual((error as? NWCError)?.code, .invalidResponse)
        }
    }
}
