@testable import Billing
import XCTest

final class LNbitsPaymentFeedTests: XCTestCase {
    let hash = String(repeating: "ab", count: 32)

    func testLNbitsPushesAreReadForTheirPaymentHash() {
        // As LNbits 1.x sends it (send_ws_payment_notification): the balance and the payment.
        let push = #"{"wallet_balance": 21, "payment": {"checking_id": "x", "payment_hash": "\#(hash.uppercased())", "amount": 21000, "status": "success"}}"#
        XCTAssertEqual(LNbitsPaymentFeed.paymentHash(in: push), hash, "read and lowercased")
    }

    func testAnythingElseIsNoHint() {
        XCTAssertNil(LNbitsPaymentFeed.paymentHash(in: "hello"))
        XCTAssertNil(LNbitsPaymentFeed.paymentHash(in: #"{"pending": false, "status": "success"}"#), "the per-hash channel's message")
        XCTAssertNil(LNbitsPaymentFeed.paymentHash(in: #"{"payment": {"payment_hash": "abc"}}"#))
        XCTAssertNil(LNbitsPaymentFeed.paymentHash(in: #"{"payment": {"payment_hash": "\#(String(repeating: "zz", count: 32))"}}"#))
        XCTAssertNil(LNbitsPaymentFeed.paymentHash(in: #"{"payment": {"payment_hash": "\#(hash)/../x"}}"#))
    }

    func testTheURLIsLNbitsWebSocketForTheKey() {
        XCTAssertEqual(LNbitsPaymentFeed(baseURL: "http://127.0.0.1:15000/", invoiceKey: "k1").url, "ws://127.0.0.1:15000/api/v1/ws/k1")
        XCTAssertEqual(LNbitsPaymentFeed(baseURL: "https://lnbits.example", invoiceKey: "k2").url, "wss://lnbits.example/api/v1/ws/k2")
        XCTAssertEqual(LNbitsPaymentFeed(baseURL: "https://lnbits.example/sub", invoiceKey: "a/b?c").url,
                       "wss://lnbits.example/sub/api/v1/ws/a%2Fb%3Fc", "a key cannot change the path or add a query")
    }
}
