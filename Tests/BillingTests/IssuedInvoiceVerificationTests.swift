import Foundation
import XCTest
@testable import Billing

/// `IssuedInvoice.verified(for:now:)` against the specification's cup-of-coffee invoice:
/// 250 000 000 msats, expiring 60 s after its timestamp.
final class IssuedInvoiceVerificationTests: XCTestCase {
    let request = InvoiceRequest(amountMsats: 250_000_000, memo: "1 cup coffee", expirySeconds: 60)
    let issuedAt = Date(timeIntervalSince1970: Bolt11Vectors.timestamp)

    func issued(_ bolt11: String = Bolt11Vectors.coffee, hash: String = Bolt11Vectors.hash) -> IssuedInvoice {
        // The wallet's own idea of the expiry is deliberately wrong: the bolt11's must win.
        IssuedInvoice(bolt11: bolt11, paymentHash: hash, amountMsats: 250_000_000, expiresAt: .distantFuture)
    }

    func testMatchingInvoiceTakesItsExpiryFromTheBolt11() throws {
        let checked = try issued().verified(for: request, now: issuedAt.addingTimeInterval(10))
        XCTAssertEqual(checked.expiresAt, issuedAt.addingTimeInterval(60))
        XCTAssertEqual(checked.paymentHash, Bolt11Vectors.hash)
        XCTAssertEqual(checked.amountMsats, 250_000_000)
    }

    func testOtherPaymentHashIsRefused() {
        let other = String(repeating: "ab", count: 32)
        XCTAssertThrowsError(try issued(hash: other).verified(for: request, now: issuedAt)) { error in
            XCTAssertTrue("\(error)".contains("differs from the reported"), "\(error)")
        }
    }

    func testOtherAmountIsRefused() {
        var larger = request
        larger.amountMsats += 1_000
        XCTAssertThrowsError(try issued().verified(for: larger, now: issuedAt)) { error in
            XCTAssertTrue("\(error)".contains("is for 250000000 msats, but 250001000 msats were requested"), "\(error)")
        }
    }

    func testAmountlessInvoiceIsRefused() {
        XCTAssertThrowsError(try issued(Bolt11Vectors.donation).verified(for: request, now: issuedAt)) { error in
            XCTAssertTrue("\(error)".contains("has no amount"), "\(error)")
        }
    }

    func testExpiredInvoiceIsRefused() {
        XCTAssertThrowsError(try issued().verified(for: request, now: issuedAt.addingTimeInterval(60))) { error in
            XCTAssertTrue("\(error)".contains("expired"), "\(error)")
        }
    }

    func testUndecodableInvoiceIsRefused() {
        XCTAssertThrowsError(try issued(Bolt11Vectors.badChecksum).verified(for: request, now: issuedAt)) { error in
            XCTAssertTrue("\(error)".contains("does not decode"), "\(error)")
            XCTAssertFalse((error as? LightningWalletError)?.isTransient ?? true)
        }
    }
}
