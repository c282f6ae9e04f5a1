import AsyncHTTPClient
import Billing
import Foundation
import NIOCore
import Synchronization
import XCTest

/// `LNbitsWallet` against the test bed's real LNbits (FakeWallet funding source): the provider's
/// wallet invoices with its invoice key, the tenant's wallet pays with its admin key, and payments
/// between two wallets of one LNbits settle internally at once.
final class LNbitsWalletTests: XCTestCase {
    struct Peers {
        var url: String
        var provider: LNbitsWallet
        var tenantAdminKey: String
        var tenantInvoiceKey: String
    }

    func peers() throws -> Peers {
        let bed = try TestBed.load()
        let url = try bed.require("NCN_LNBITS_URL")
        return Peers(
            url: url,
            provider: LNbitsWallet(baseURL: url, invoiceKey: try bed.require("NCN_LNBITS_PROVIDER_INKEY")),
            tenantAdminKey: try bed.require("NCN_LNBITS_TENANT_ADMINKEY"),
            tenantInvoiceKey: try bed.require("NCN_LNBITS_TENANT_INKEY")
        )
    }

    /// The tenant pays as any LNbits user would; returns the HTTP status and body.
    func pay(_ bolt11: String, peers: Peers) async throws -> (status: Int, body: String) {
        try await TestBed.load().tenantPaysWithLNbits(bolt11)
    }

    func testInvoicePaidByTheTenantSettlesOnce() async throws {
        let peers = try peers()
        let request = InvoiceRequest(amountMsats: 21_000, memo: "ncn lease test tranche \(UUID().uuidString.prefix(8))", expirySeconds: 600)
        let before = Date()
        let issued = try await peers.provider.makeInvoice(request)

        let decoded = try Bolt11Invoice.decode(issued.bolt11)
        XCTAssertEqual(decoded.paymentHash, issued.paymentHash)
        XCTAssertEqual(decoded.amountMsats, 21_000)
        XCTAssertEqual(issued.amountMsats, 21_000)
        XCTAssertEqual(decoded.description, request.memo)
        XCTAssertEqual(decoded.expirySeconds, 600, "LNbits honours the requested expiry")
        XCTAssertEqual(issued.expiresAt, decoded.expiresAt)
        XCTAssertEqual(issued.expiresAt.timeIntervalSince(before), 600, accuracy: 5)
        XCTAssertEqual(decoded.payeePubkey.count, 66)

        let pending = try await peers.provider.lookupInvoice(paymentHash: issued.paymentHash)
        XCTAssertEqual(pending, .pending)

        let first = try await pay(issued.bolt11, peers: peers)
        XCTAssertTrue((200...299).contains(first.status), "the tenant's payment failed: \(first.status) \(first.body)")

        let settled = try await eventually("the invoice to settle") { () async throws -> InvoiceSettlement? in
            let state = try await peers.provider.lookupInvoice(paymentHash: issued.paymentHash)
            if case .settled = state { return state }
            return nil
        }
        guard case let .settled(preimage) = settled else { return XCTFail("not settled: \(settled)") }
        XCTAssertEqual(preimage?.count, 64, "LNbits reports the preimage (the wallet checked that it hashes to the payment hash)")

        let second = try await pay(issued.bolt11, peers: peers)
        XCTAssertFalse((200...299).contains(second.status), "LNbits let the same invoice be paid twice: \(second.body)")
        let after = try await peers.provider.lookupInvoice(paymentHash: issued.paymentHash)
        XCTAssertEqual(after, settled)

        // The tenant's wallet knows the hash only as an outgoing payment: not an invoice of its own.
        let tenantView = LNbitsWallet(baseURL: peers.url, invoiceKey: peers.tenantInvoiceKey)
        await XCTAssertWalletError(try await tenantView.lookupInvoice(paymentHash: issued.paymentHash)) { error in
            XCTAssertTrue(error.isUnknownInvoice, error.description)
        }
    }

    /// LNbits' WebSocket push: the feed hears of a payment to the provider's wallet as it settles.
    func testThePushTellsOfAPaymentAsItSettles() async throws {
        let peers = try peers()
        let feed = LNbitsPaymentFeed(baseURL: peers.url, invoiceKey: try TestBed.load().require("NCN_LNBITS_PROVIDER_INKEY"))
        let hints = feed.notifications()
        let running = Task { try await feed.run() }
        defer { running.cancel() }
        let heard = Mutex<[String]>([])
        let listening = Task { for await hash in hints { heard.withLock { $0.append(hash) } } }
        defer { listening.cancel() }
        try await Task.sleep(for: .seconds(1))  // connected

        let issued = try await peers.provider.makeInvoice(InvoiceRequest(amountMsats: 2_000, memo: "ncn push test", expirySeconds: 600))
        let paid = try await pay(issued.bolt11, peers: peers)
        XCTAssertTrue((200...299).contains(paid.status), paid.body)
        let paidAt = ContinuousClock.now
        _ = try await eventually("LNbits to push the payment", timeout: .seconds(10), every: .milliseconds(10)) { () -> Bool? in
            heard.withLock { $0.contains(issued.paymentHash) } ? true : nil
        }
        print("MEASURED LNbits payment → push \(ContinuousClock.now - paidAt)")
    }

    func testUnpaidInvoiceExpires() async throws {
        let peers = try peers()
        let issued = try await peers.provider.makeInvoice(InvoiceRequest(amountMsats: 3_000, memo: "ncn expiry test", expirySeconds: 2))
        _ = try await eventually("the invoice to expire", timeout: .seconds(15)) { () async throws -> Bool? in
            try await peers.provider.lookupInvoice(paymentHash: issued.paymentHash) == .expired ? true : nil
        }
    }

    func testUnknownPaymentHashIsReportedAsSuch() async throws {
        let peers = try peers()
        let hash = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        await XCTAssertWalletError(try await peers.provider.lookupInvoice(paymentHash: hash)) { error in
            XCTAssertTrue(error.isUnknownInvoice, error.description)
            XCTAssertTrue(error.description.contains(hash), error.description)
        }
    }

    func testWrongInvoiceKeyIsReportedAsSuch() async throws {
        let peers = try peers()
        let wrong = LNbitsWallet(baseURL: peers.url, invoiceKey: String(repeating: "0", count: 32))
        await XCTAssertWalletError(try await wrong.makeInvoice(InvoiceRequest(amountMsats: 1_000, memo: "x", expirySeconds: 60))) { error in
            XCTAssertTrue(error.isUnauthorized, error.description)
            XCTAssertTrue(error.description.contains("invoice key"), error.description)
        }
        // LNbits answers lookups even without a valid key, minus the details that prove ownership.
        let issued = try await peers.provider.makeInvoice(InvoiceRequest(amountMsats: 1_000, memo: "ncn key test", expirySeconds: 600))
        await XCTAssertWalletError(try await wrong.lookupInvoice(paymentHash: issued.paymentHash)) { error in
            XCTAssertTrue(error.isUnauthorized, error.description)
            XCTAssertTrue(error.description.contains("invoice key"), error.description)
        }
    }

    func testAmountThatIsNotWholeSatsIsRefusedBeforeAnyRequest() async throws {
        // Nothing listens on port 1: any HTTP attempt would fail as unreachable instead.
        let wallet = LNbitsWallet(baseURL: "http://127.0.0.1:1", invoiceKey: "unused")
        await XCTAssertWalletError(try await wallet.makeInvoice(InvoiceRequest(amountMsats: 21_500, memo: "x", expirySeconds: 60))) { error in
            XCTAssertEqual(error, .amountNotWholeSats(21_500))
            XCTAssertFalse(error.isTransient)
        }
    }

    func testUnreachableWalletIsTransient() async throws {
        let wallet = LNbitsWallet(baseURL: "http://127.0.0.1:1", invoiceKey: "unused", timeout: .seconds(2))
        await XCTAssertWalletError(try await wallet.lookupInvoice(paymentHash: String(repeating: "ab", count: 32))) { error in
            XCTAssertTrue(error.isTransient, error.description)
            XCTAssertTrue(error.description.contains("could not be reached"), error.description)
        }
        await XCTAssertWalletError(try await wallet.makeInvoice(InvoiceRequest(amountMsats: 1_000, memo: "x", expirySeconds: 60))) { error in
            XCTAssertTrue(error.isTransient, error.description)
        }
    }
}

/// Expects `expression` to throw a `LightningWalletError` and hands it to `check`.
func XCTAssertWalletError<T>(
    _ expression: @autoclosure () async throws -> T, file: StaticString = #filePath, line: UInt = #line,
    _ check: (LightningWalletError) -> Void
) async {
    do {
        let value = try await expression()
        XCTFail("expected a LightningWalletError, got \(value)", file: file, line: line)
    } catch let error as LightningWalletError {
        check(error)
    } catch {
        XCTFail("expected a LightningWalletError, got \(error)", file: file, line: line)
    }
}
