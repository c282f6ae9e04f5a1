import Billing
import Foundation
import NIOConcurrencyHelpers
import NostrBridge
import XCTest

/// `NWCWallet` against the test bed: relay-sdk, the NIP-47 wallet services of
/// testbed/peers/nwc_wallet.py over real LNbits, and nostr-sdk's own NWC client as the payer.
///
/// - nwc-provider: LNbits' provider wallet, NIP-44 v2 and NIP-04;
/// - nwc-provider-nip04: the same LNbits wallet, NIP-04 only (its info event has no encryption tag);
/// - nwc-tenant: LNbits' tenant wallet, able to pay.
final class NWCWalletTests: XCTestCase {
    /// Short enough that the timeout test takes seconds; relays answer in milliseconds here.
    let configuration = NWCWalletConfiguration(
        requestLifetime: .seconds(30),
        resendInterval: .seconds(3),
        infoTimeout: .seconds(10),
        relayPool: RelayPoolConfiguration(
            connection: RelayConnectionConfiguration(
                backoff: RelayBackoff(initialDelay: .milliseconds(100), maximumDelay: .milliseconds(800), jitter: 0.2),
                publishTimeout: .seconds(5),
                connectTimeout: .seconds(5))))

    let nonce = "ncn-nwc-test-\(UInt64.random(in: 0 ... .max))"

    // MARK: Discovery

    func testDiscoveryPicksNIP44OnTheProviderAndNIP04WhereTheWalletSpeaksOnlyThat() async throws {
        let bed = try TestBed.load()
        try await self.withWallet(bed, "NCN_NWC_PROVIDER_URI") { wallet in
            let info = try await wallet.info()
            XCTAssertEqual(info.preferredEncryption, .nip44v2)
            XCTAssertEqual(info.encryptions, [.nip44v2, .nip04])
            XCTAssertTrue(info.methods.isSuperset(of: ["make_invoice", "lookup_invoice", "get_info"]), "\(info.methods)")
            XCTAssertFalse(info.supports("pay_invoice"), "the provider's service has the invoice key only")
            XCTAssertEqual(info.notifications, ["payment_received"])
            let request = try await wallet.prepare(method: "get_info", params: NWCNoParams())
            XCTAssertEqual(request.event.firstTagValue("encryption"), "nip44_v2")
        }
        try await self.withWallet(bed, "NCN_NWC_PROVIDER_NIP04_URI") { wallet in
            let info = try await wallet.info()
            XCTAssertEqual(info.encryptions, [.nip04], "no encryption tag means NIP-04 only")
            XCTAssertEqual(info.preferredEncryption, .nip04)
            let request = try await wallet.prepare(method: "get_info", params: NWCNoParams())
            XCTAssertEqual(request.encryption, .nip04)
            XCTAssertTrue(request.event.content.contains("?iv="), "a NIP-04 payload")
            // The wallet answers in the scheme it was asked in.
            struct Info: Decodable { let methods: [String] }
            let answer = try await wallet.send(request)
            XCTAssertTrue(answer.event.content.contains("?iv="), "a NIP-04 answer")
            XCTAssertTrue(try answer.result(Info.self).methods.contains("make_invoice"))
        }
    }

    func testAWalletWithoutInfoEventIsReportedAsSuch() async throws {
        let bed = try TestBed.load()
        let relay = try bed.require("NCN_RELAY_SDK_URL")
        let uri = NWCConnectionURI(walletPublicKey: SecretKey.generate().publicKey, relays: [relay], secret: SecretKey.generate())
        try await self.withWallet(uri) { wallet in
            do {
                _ = try await wallet.info()
                XCTFail("a wallet nobody runs has no info event")
            } catch let error as NWCError {
                XCTAssertEqual(error.code, .noInfoEvent, "\(error)")
                XCTAssertTrue(error.description.contains("13194"), error.description)
            }
        }
    }

    // MARK: Invoices

    func testMakeInvoiceThroughEitherEncryptionCreatesOneCheckedLNbitsInvoice() async throws {
        let bed = try TestBed.load()
        let lnbits = try LNbitsProbe(bed: bed)
        for key in ["NCN_NWC_PROVIDER_URI", "NCN_NWC_PROVIDER_NIP04_URI"] {
            try await self.withWallet(bed, key) { wallet in
                let memo = "\(self.nonce) \(key)"
                let before = Date()
                let invoice = try await wallet.makeInvoice(InvoiceRequest(amountMsats: 21_000, memo: memo, expirySeconds: 900))
                XCTAssertTrue(invoice.bolt11.hasPrefix("lnbc210n1"), invoice.bolt11)
                XCTAssertEqual(invoice.amountMsats, 21_000)
                XCTAssertEqual(invoice.expiresAt.timeIntervalSince(before), 900, accuracy: 5, "expiry from the bolt11")

                let stored = try await lnbits.payments(memo: memo)
                XCTAssertEqual(stored.count, 1, "\(key): one invoice in LNbits")
                XCTAssertEqual(stored.first?["payment_hash"] as? String, invoice.paymentHash)
                XCTAssertEqual(stored.first?["amount"] as? Int, 21_000)

                let settlement = try await wallet.lookupInvoice(paymentHash: invoice.paymentHash)
                XCTAssertEqual(settlement, .pending)
            }
        }
    }

    func testLookingUpAnUnknownInvoiceSaysSo() async throws {
        let bed = try TestBed.load()
        try await self.withWallet(bed, "NCN_NWC_PROVIDER_URI") { wallet in
            do {
                _ = try await wallet.lookupInvoice(paymentHash: String(repeating: "ab", count: 32))
                XCTFail("no such invoice")
            } catch let error as LightningWalletError {
                XCTAssertTrue(error.isUnknownInvoice, "\(error)")
            }
        }
    }

    /// The tenant pays with nostr-sdk's NWC client, through the tenant's own wallet service; the
    /// provider's wallet then reports the invoice settled and notifies (23197 under NIP-44,
    /// 23196 under NIP-04).
    func testATenantPaymentSettlesTheInvoiceAndIsNotified() async throws {
        let bed = try TestBed.load()
        let tenantURI = try bed.require("NCN_NWC_TENANT_URI")
        let python = try bed.require("NCN_PYTHON_NOSTR")
        for key in ["NCN_NWC_PROVIDER_URI", "NCN_NWC_PROVIDER_NIP04_URI"] {
            try await self.withWallet(bed, key) { wallet in
                let notifications = wallet.notifications()
                let invoice = try await wallet.makeInvoice(InvoiceRequest(amountMsats: 3_000, memo: "\(self.nonce) pay", expirySeconds: 600))

                let output = try await runProcess(
                    python, [TestBed.packageRoot.appendingPathComponent("testbed/interop/nwc_pay.py").path, invoice.bolt11],
                    environment: ["NWC_URI": tenantURI])
                let paid = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
                let preimage = try XCTUnwrap(paid["preimage"] as? String, "nostr-sdk's pay_invoice failed: \(output)")

                let settled = try await eventually("\(key): lookup says settled") { () -> InvoiceSettlement? in
                    let settlement = try await wallet.lookupInvoice(paymentHash: invoice.paymentHash)
                    return settlement == .pending ? nil : settlement
                }
                XCTAssertEqual(settled, .settled(preimage: preimage))

                let hinted = try await firstElement(of: notifications, within: .seconds(20)) { $0 == invoice.paymentHash }
                XCTAssertEqual(hinted, invoice.paymentHash, "\(key): a payment_received notification for the invoice")
            }
        }
    }

    // MARK: Retries

    /// Re-sending the same signed request (as `send` does when no answer comes) must never make
    /// a second invoice: the wallet answers every copy with its first response.
    func testResendingTheSameRequestEventYieldsTheSameInvoice() async throws {
        let bed = try TestBed.load()
        let lnbits = try LNbitsProbe(bed: bed)
        try await self.withWallet(bed, "NCN_NWC_PROVIDER_URI") { wallet in
            let memo = "\(self.nonce) once"
            let request = try await wallet.prepare(
                method: "make_invoice", params: NWCMakeInvoiceParams(amount: 5_000, description: memo, expiry: 600))
            // A copy from another connection while the wallet works on the first (our own pool
            // would coalesce concurrent publishes of one event into one), then a re-send later.
            let relay = try bed.require("NCN_RELAY_SDK_URL")
            let other = try RelayPool(relays: [relay], configuration: self.configuration.relayPool)
            async let first = wallet.send(request)
            try await withRunningPool(other) {
                let outcomes = await other.publish(request.event)
                XCTAssertTrue(outcomes.values.allSatisfy(\.isSuccess), "\(outcomes)")
            }
            let answer = try await first.result(NWCTransaction.self)
            let later = try await wallet.send(request).result(NWCTransaction.self)
            XCTAssertEqual(answer.paymentHash, later.paymentHash)
            XCTAssertEqual(answer.invoice, later.invoice)
            let stored = try await lnbits.payments(memo: memo)
            XCTAssertEqual(stored.count, 1, "one invoice for one request, however often it was sent")
        }
    }

    func testAWalletThatNeverAnswersTimesOutWithAClearError() async throws {
        let bed = try TestBed.load()
        let relay = try bed.require("NCN_RELAY_SDK_URL")
        // A wallet that advertises itself and then never answers.
        let silent = SecretKey.generate()
        let info = try EventBuilder(
            kind: NWCKind.info, content: "make_invoice lookup_invoice", tags: [["encryption", "nip44_v2 nip04"]]
        ).sign(with: silent)
        let publisher = try RelayPool(relays: [relay], configuration: self.configuration.relayPool)
        try await withRunningPool(publisher) {
            let outcomes = await publisher.publish(info)
            XCTAssertTrue(outcomes.values.allSatisfy(\.isSuccess), "\(outcomes)")
        }

        var configuration = self.configuration
        configuration.requestLifetime = .seconds(4)
        configuration.resendInterval = .seconds(1)
        let uri = NWCConnectionURI(walletPublicKey: silent.publicKey, relays: [relay], secret: SecretKey.generate())
        try await self.withWallet(uri, configuration: configuration) { wallet in
            let started = ContinuousClock.now
            do {
                _ = try await wallet.makeInvoice(InvoiceRequest(amountMsats: 1_000, memo: "never", expirySeconds: 60))
                XCTFail("nobody answers")
            } catch let error as LightningWalletError {
                XCTAssertTrue(error.isTransient, "\(error)")
                XCTAssertTrue(error.description.contains("did not answer make_invoice"), error.description)
            }
            let waited = ContinuousClock.now - started
            XCTAssertGreaterThanOrEqual(waited, .seconds(3), "waits for the request's lifetime")
            XCTAssertLessThan(waited, .seconds(15), "and not much longer")

            do {
                _ = try await wallet.send(try await wallet.prepare(method: "lookup_invoice", params: NWCLookupInvoiceParams(paymentHash: String(repeating: "0", count: 64))))
                XCTFail("nobody answers")
            } catch let error as NWCError {
                XCTAssertEqual(error.code, .timeout, "\(error)")
                XCTAssertTrue(error.message.contains("sent 4 times") || error.message.contains("sent 3 times") || error.message.contains("sent 5 times"), error.message)
            }
        }
    }

    // MARK: Helpers

    func withWallet(_ bed: TestBed, _ key: String, body: (NWCWallet) async throws -> Void) async throws {
        try await self.withWallet(try NWCConnectionURI(parsing: try bed.require(key)), body: body)
    }

    /// Runs the wallet (its relay pool and notification feed) around `body`, as the operator would.
    func withWallet(
        _ uri: NWCConnectionURI, configuration: NWCWalletConfiguration? = nil, body: (NWCWallet) async throws -> Void
    ) async throws {
        let wallet = try NWCWallet(uri: uri, configuration: configuration ?? self.configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await wallet.run() }
            defer { group.cancelAll() }
            try await body(wallet)
        }
    }
}

/// The provider wallet as LNbits itself sees it, to check what the NWC service did there.
private struct LNbitsProbe {
    let url: String
    let invoiceKey: String

    init(bed: TestBed) throws {
        self.url = try bed.require("NCN_LNBITS_URL")
        self.invoiceKey = try bed.require("NCN_LNBITS_PROVIDER_INKEY")
    }

    /// The provider wallet's payments with exactly this memo.
    func payments(memo: String) async throws -> [[String: Any]] {
        var components = URLComponents(string: self.url + "/api/v1/payments")!
        components.queryItems = [URLQueryItem(name: "memo", value: memo), URLQueryItem(name: "limit", value: "50")]
        // LNbits (SQLite) now and then answers a read with a 5xx while the NWC service writes:
        // ask again rather than fail on the probe, and show what it said if it never answers.
        var output = ""
        for attempt in 1...5 {
            output = try await runProcess("/usr/bin/curl", ["-s", "-H", "X-Api-Key: \(self.invoiceKey)", components.url!.absoluteString])
            if let list = (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [[String: Any]] {
                return list.filter { $0["memo"] as? String == memo }
            }
            if attempt < 5 { try await Task.sleep(for: .milliseconds(200 * attempt)) }
        }
        XCTFail("LNbits did not list the provider wallet's payments; it answered: \(output.prefix(500))")
        return []
    }
}

/// Runs a program to completion without blocking a concurrency thread; returns its stdout.
private func runProcess(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:]) async throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
    let output = Pipe()
    process.standardOutput = output
    let collected = NIOLockedValueBox(Data())
    output.fileHandleForReading.readabilityHandler = { handle in
        let chunk = handle.availableData
        collected.withLockedValue { $0.append(chunk) }
    }
    let launchError: (any Error)? = await withCheckedContinuation { continuation in
        process.terminationHandler = { _ in continuation.resume(returning: nil) }
        do {
            try process.run()
        } catch {
            continuation.resume(returning: error)  // no termination will follow
        }
    }
    output.fileHandleForReading.readabilityHandler = nil
    if let launchError { throw launchError }
    let rest = output.fileHandleForReading.readDataToEndOfFile()
    let text = collected.withLockedValue { String(decoding: $0 + rest, as: UTF8.self) }
    guard process.terminationStatus == 0 else {
        throw NSError(domain: "NWCWalletTests", code: Int(process.terminationStatus),
                      userInfo: [NSLocalizedDescriptionKey: "\(executable) exited \(process.terminationStatus): \(text)"])
    }
    return text
}

/// The first element of `stream` that satisfies `predicate`, or nil after `timeout`.
private func firstElement<Element: Sendable>(
    of stream: AsyncStream<Element>, within timeout: Duration, where predicate: @escaping @Sendable (Element) -> Bool
) async throws -> Element? {
    await withTaskGroup(of: Element?.self) { group in
        group.addTask {
            for await element in stream where predicate(element) { return element }
            return nil
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

private func withRunningPool(_ pool: RelayPool, body: () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await pool.run() }
        defer { group.cancelAll() }
        try await body()
    }
}
