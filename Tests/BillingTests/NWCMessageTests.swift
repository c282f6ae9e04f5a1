@testable import Billing
import Foundation
import NostrBridge
import XCTest

/// Requests, responses and errors as they go over the wire, with the wallet's side played here.
final class NWCMessageTests: XCTestCase {
    private let client = SecretKey.generate()
    private let wallet = SecretKey.generate()

    private func request(_ encryption: NWCEncryption, method: String = "make_invoice") throws -> NWCRequest {
        try NWCRequest(
            method: method, params: NWCMakeInvoiceParams(amount: 21_000, description: "lease a/1 tranche 3", expiry: 600),
            encryption: encryption, clientKey: client, wallet: wallet.publicKey, createdAt: 1_800_000_000, expiresAt: 1_800_000_060)
    }

    /// What a wallet sends back: kind 23195 to the client, naming the request.
    private func response(_ json: String, to request: NWCRequest, encryption: NWCEncryption? = nil) throws -> NWCResponse {
        let content = try (encryption ?? request.encryption).encrypt(json, secretKey: wallet, peer: client.publicKey)
        let event = try EventBuilder(kind: NWCKind.response, content: content, tags: [["p", client.publicKey.hex], ["e", request.event.id]])
            .sign(with: wallet)
        return try NWCResponse(method: request.method, event: event, clientKey: client, wallet: wallet.publicKey)
    }

    // MARK: Requests

    func testRequestIsASignedKind23194WithPEncryptionAndExpirationTags() throws {
        for encryption in NWCEncryption.allCases {
            let request = try request(encryption)
            XCTAssertNoThrow(try request.event.validate(now: 1_800_000_000))
            XCTAssertEqual(request.event.kind, 23194)
            XCTAssertEqual(request.event.pubkey, client.publicKey.hex)
            XCTAssertEqual(request.event.tags, [["p", wallet.publicKey.hex], ["encryption", encryption.rawValue], ["expiration", "1800000060"]])
            XCTAssertEqual(request.event.expiration, 1_800_000_060)

            // The wallet decrypts with its key and the client's public key.
            let plaintext = try encryption.decrypt(request.event.content, secretKey: wallet, peer: client.publicKey)
            let body = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(plaintext.utf8)) as? [String: Any])
            XCTAssertEqual(body["method"] as? String, "make_invoice")
            let params = try XCTUnwrap(body["params"] as? [String: Any])
            XCTAssertEqual(params["amount"] as? Int, 21_000)
            XCTAssertEqual(params["description"] as? String, "lease a/1 tranche 3")
            XCTAssertEqual(params["expiry"] as? Int, 600)
        }
    }

    func testPayloadShapeTellsTheSchemes() throws {
        XCTAssertEqual(NWCEncryption.of(payload: try request(.nip04).event.content), .nip04)
        XCTAssertEqual(NWCEncryption.of(payload: try request(.nip44v2).event.content), .nip44v2)
        XCTAssertEqual(NWCEncryption.nip44v2.notificationKind, 23197)
        XCTAssertEqual(NWCEncryption.nip04.notificationKind, 23196)
    }

    func testLookupAndEmptyParamsEncodeAsTheNIPSays() throws {
        let lookup = try NWCRequest(
            method: "lookup_invoice", params: NWCLookupInvoiceParams(paymentHash: String(repeating: "ab", count: 32)),
            encryption: .nip44v2, clientKey: client, wallet: wallet.publicKey, createdAt: 1, expiresAt: 2)
        XCTAssertEqual(
            try NIP44.decrypt(lookup.event.content, secretKey: wallet, peer: client.publicKey),
            #"{"method":"lookup_invoice","params":{"payment_hash":"\#(String(repeating: "ab", count: 32))"}}"#)
        let info = try NWCRequest(method: "get_info", params: NWCNoParams(), encryption: .nip04, clientKey: client, wallet: wallet.publicKey, createdAt: 1, expiresAt: 2)
        XCTAssertEqual(try NIP04.decrypt(info.event.content, secretKey: wallet, peer: client.publicKey), #"{"method":"get_info","params":{}}"#)
    }

    // MARK: Responses

    func testDecodesAMakeInvoiceResultInEitherEncryption() throws {
        for encryption in NWCEncryption.allCases {
            let request = try request(encryption)
            let json = #"{"result_type":"make_invoice","error":null,"result":{"type":"incoming","invoice":"lnbc1...","#
                + #""payment_hash":"\#(String(repeating: "0f", count: 32))","amount":21000,"created_at":1800000000,"expires_at":1800000600,"state":"pending","metadata":{}}}"#
            let transaction = try response(json, to: request).result(NWCTransaction.self)
            XCTAssertEqual(transaction.invoice, "lnbc1...")
            XCTAssertEqual(transaction.amount, 21_000)
            XCTAssertEqual(transaction.expiresAt, 1_800_000_600)
            XCTAssertEqual(transaction.settlement(now: 1_800_000_001), .pending)
        }
        // A NIP-04 answer to a NIP-44 request is read all the same.
        let json = #"{"result_type":"get_balance","result":{"balance":5}}"#
        struct Balance: Decodable { let balance: Int64 }
        XCTAssertEqual(try response(json, to: request(.nip44v2, method: "get_balance"), encryption: .nip04).result(Balance.self).balance, 5)
    }

    func testErrorResponsesMapToCodes() throws {
        let request = try request(.nip44v2)
        func error(_ json: String) throws -> NWCError {
            do {
                _ = try response(json, to: request).result(NWCTransaction.self)
            } catch let error as NWCError {
                return error
            }
            XCTFail("no error for \(json)")
            throw CancellationError()
        }
        let notFound = try error(#"{"result_type":"make_invoice","error":{"code":"NOT_FOUND","message":"no such invoice"},"result":null}"#)
        XCTAssertEqual(notFound.code, .notFound)
        XCTAssertEqual(notFound.code.walletCode, "NOT_FOUND")
        XCTAssertTrue(notFound.description.contains("no such invoice"), notFound.description)

        XCTAssertEqual(try error(#"{"result_type":"make_invoice","error":{"code":"UNSUPPORTED_ENCRYPTION","message":"x"}}"#).code, .unsupportedEncryption)
        XCTAssertEqual(try error(#"{"result_type":"make_invoice","error":{"code":"rate_limited","message":""}}"#).code, .rateLimited)
        XCTAssertEqual(try error(#"{"result_type":"make_invoice","error":{"code":"SOMETHING_NEW","message":"?"}}"#).code, .wallet("SOMETHING_NEW"))
        XCTAssertEqual(try error(#"{"result_type":"make_invoice","error":{"message":"no code"}}"#).code, .other)
        XCTAssertEqual(try error(#"{"result_type":"pay_invoice","result":{"preimage":"00"}}"#).code, .invalidResponse)
        XCTAssertEqual(try error(#"{"result_type":"make_invoice","result":null}"#).code, .invalidResponse)
        XCTAssertEqual(try error(#"{"result_type":"make_invoice","result":{"invoice":"lnbc1"}}"#).code, .invalidResponse)
        XCTAssertEqual(try error(#"not json"#).code, .invalidResponse)
    }

    func testAResponseForSomeoneElseDoesNotDecrypt() throws {
        let request = try request(.nip44v2)
        let stranger = SecretKey.generate()
        let content = try NIP44.encrypt("{}", secretKey: wallet, peer: stranger.publicKey)
        let event = try EventBuilder(kind: NWCKind.response, content: content, tags: [["e", request.event.id]]).sign(with: wallet)
        XCTAssertThrowsError(try NWCResponse(method: "make_invoice", event: event, clientKey: client, wallet: wallet.publicKey)) { error in
            XCTAssertEqual((error as? NWCError)?.code, .invalidResponse)
        }
    }

    func testNWCErrorsBecomeLightningWalletErrors() {
        XCTAssertTrue(NWCError(.timeout, "t").lightningWalletError.isTransient)
        XCTAssertTrue(NWCError(.rateLimited, "r").lightningWalletError.isTransient)
        XCTAssertTrue(NWCError(.unauthorized, "u").lightningWalletError.isUnauthorized)
        XCTAssertTrue(NWCError(.restricted, "u").lightningWalletError.isUnauthorized)
        XCTAssertFalse(NWCError(.paymentFailed, "p").lightningWalletError.isTransient)
        XCTAssertTrue(NWCError(.invalidInvoice, "bad").lightningWalletError.description.contains("bad answer"))
        XCTAssertTrue(NWCError(.timeout, "t").isTransient)
        XCTAssertFalse(NWCError(.notFound, "n").isTransient)
    }

    // MARK: Settlement

    func testSettlementFollowsStateAndFallsBackToTimestamps() {
        func tx(state: String? = nil, preimage: String? = nil, settledAt: Int64? = nil, expiresAt: Int64? = 1_000) -> NWCTransaction {
            NWCTransaction(invoice: "lnbc1", preimage: preimage, paymentHash: "00", amount: 1, expiresAt: expiresAt, settledAt: settledAt, state: state)
        }
        XCTAssertEqual(tx(state: "settled", preimage: "aa").settlement(now: 0), .settled(preimage: "aa"))
        XCTAssertEqual(tx(state: "SETTLED", preimage: "").settlement(now: 0), .settled(preimage: nil))
        XCTAssertEqual(tx(state: "pending").settlement(now: 5_000), .pending, "the wallet's state wins over the clock")
        XCTAssertEqual(tx(state: "accepted").settlement(now: 0), .pending)
        XCTAssertEqual(tx(state: "expired").settlement(now: 0), .expired)
        XCTAssertEqual(tx(state: "failed").settlement(now: 0), .failed)
        // Without state: settled_at proves payment; a preimage alone does not.
        XCTAssertEqual(tx(preimage: "aa", settledAt: 900).settlement(now: 950), .settled(preimage: "aa"))
        XCTAssertEqual(tx(preimage: "aa").settlement(now: 999), .pending)
        XCTAssertEqual(tx(preimage: "aa").settlement(now: 1_000), .expired)
        XCTAssertEqual(tx(expiresAt: nil).settlement(now: .max), .pending)
    }

    // MARK: Invoice checks

    /// An invoice LNbits (FakeWallet) made through nwc_wallet.py: 21 sat, 600 s expiry.
    private let bolt11 =
        "lnbc210n1p4svxnxdqydp5sxqzjcsp56mrjtn4hv2sn4gfy6d50nm0rxv6xefmg8jvw97dqhe55cgd5755spp5k5e02l9hse6klrgxncud9q96ckeune8n70a3a6jvsww40wlrqu5q7qvw429yd5veqqh89r2sedz26jjkd9z637vljms95euv4m0m6suk83vksakxdf5cfhey7ed76p59pxj2rrxksqmjvm5y39z84222a4qqej5f7d"
    private let paymentHash = "b532f57cb786756f8d069e38d280bac5b3c9e4f3f3fb1eea4c839d57bbe30728"
    private let createdAt: Int64 = 1_795_562_086

    func testAMakeInvoiceResultIsCheckedAgainstItsBolt11() throws {
        let request = InvoiceRequest(amountMsats: 21_000, memo: "hi", expirySeconds: 600)
        let now = Date(timeIntervalSince1970: TimeInterval(createdAt + 10))
        let good = NWCTransaction(invoice: bolt11, paymentHash: paymentHash.uppercased(), amount: 21_000, createdAt: createdAt, expiresAt: createdAt + 9_999)
        let issued = try NWCWallet.issuedInvoice(from: good, for: request, now: now)
        XCTAssertEqual(issued.paymentHash, paymentHash)
        XCTAssertEqual(issued.bolt11, bolt11)
        XCTAssertEqual(issued.expiresAt, Date(timeIntervalSince1970: TimeInterval(createdAt + 600)), "the bolt11's expiry, not the wallet's claim")

        func refusal(_ transaction: NWCTransaction, _ request: InvoiceRequest = request, now: Date? = nil) -> NWCError.Code? {
            do {
                _ = try NWCWallet.issuedInvoice(from: transaction, for: request, now: now ?? Date(timeIntervalSince1970: TimeInterval(createdAt + 10)))
                return nil
            } catch {
                return error.code
            }
        }
        var otherHash = good
        otherHash.paymentHash = String(repeating: "ab", count: 32)
        XCTAssertEqual(refusal(otherHash), .invalidInvoice)
        XCTAssertEqual(refusal(good, InvoiceRequest(amountMsats: 22_000, memo: "hi", expirySeconds: 600)), .invalidInvoice)
        var claimsOtherAmount = good
        claimsOtherAmount.amount = 22_000
        XCTAssertEqual(refusal(claimsOtherAmount, InvoiceRequest(amountMsats: 22_000, memo: "hi", expirySeconds: 600)), .invalidInvoice)
        XCTAssertEqual(refusal(good, now: Date(timeIntervalSince1970: TimeInterval(createdAt + 601))), .invalidInvoice)
        var noInvoice = good
        noInvoice.invoice = nil
        XCTAssertEqual(refusal(noInvoice), .invalidResponse)
        var badHash = good
        badHash.paymentHash = "xyz"
        XCTAssertEqual(refusal(badHash), .invalidResponse)
    }
}
