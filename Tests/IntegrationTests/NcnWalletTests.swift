import AsyncHTTPClient
import Billing
import ComputeAPI
import Foundation
import KubeClient
import NIOCore
import NostrBridge
import Operator
import Tenant
import XCTest

/// The tenant's own Cashu wallet in the built `ncn` binary, against the test bed's real mint:
/// `ncn wallet mint` (a NUT-04 quote, its invoice paid over NWC unless the FakeWallet mint marks
/// it paid by itself), `send` and `receive` between two wallets, a spent token refused, an
/// interrupted swap finished from the file; and `ncn run --pay cashu` paying three tranches to
/// the operator binary with nutzaps from its wallet until the lease completes.
final class NcnWalletTests: XCTestCase {
    private var market: MarketBed?
    private var processes: [NcnProcess] = []
    private var directories: [URL] = []

    override func tearDown() {
        for process in processes { process.kill() }
        market?.tearDown()
        for directory in directories { try? FileManager.default.removeItem(at: directory) }
        super.tearDown()
    }

    /// A fresh config directory: a wallet of its own.
    private func configDirectory() -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-wallet-it-\(UUID().uuidString)")
        directories.append(directory)
        return directory
    }

    private func ncn(_ bed: TestBed, config: URL, key: SecretKey = SecretKey.generate(), _ arguments: [String]) throws -> NcnProcess {
        let process = try NcnProcess(arguments: arguments, environment: [
            "XDG_CONFIG_HOME": config.path, "NCN_KEY": NIP19.encodeNsec(key), "NCN_NWC": try bed.require("NCN_NWC_TENANT_URI"),
            "NCN_RELAYS": "\(try bed.require("NCN_RELAY_SDK_URL")),\(try bed.require("NCN_RELAY_PY_URL"))",
        ])
        processes.append(process)
        return process
    }

    /// Runs ncn to its end; returns its JSON lines and exit status.
    private func finished(_ bed: TestBed, config: URL, _ arguments: [String], timeout: Duration = .seconds(90)) async throws -> (objects: [[String: Any]], status: Int32, process: NcnProcess) {
        let process = try ncn(bed, config: config, arguments + ["--json"])
        let status = try await process.exitStatus(timeout: timeout)
        return (process.objects, status, process)
    }

    private func spendable(_ bed: TestBed, config: URL) async throws -> Int {
        let balance = try await finished(bed, config: config, ["wallet", "balance"])
        XCTAssertEqual(balance.status, 0, balance.process.stderr)
        let mints = balance.objects.last { $0["event"] as? String == "balance" }?["mints"] as? [[String: Any]] ?? []
        return mints.compactMap { $0["amount"] as? Int }.reduce(0, +)
    }

    func testMintSendReceiveAndASpentTokenAtTheRealMint() async throws {
        let bed = try TestBed.load()
        let mint = try bed.require("NCN_MINT_URL")
        let alice = configDirectory(), bob = configDirectory()

        let minted = try await finished(bed, config: alice, ["wallet", "mint", "64", "--mint", mint])
        XCTAssertEqual(minted.status, 0, "\(minted.objects)\n\(minted.process.stderr)")
        XCTAssertNotNil(minted.objects.first { $0["event"] as? String == "quote" })
        XCTAssertEqual(minted.objects.last?["amount"] as? Int, 64)
        let file = alice.appendingPathComponent("ncn/cashu-wallet.json")
        let mode = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? NSNumber).intValue
        XCTAssertEqual(mode & 0o777, 0o600)
        let spendableAfterMint = try await spendable(bed, config: alice)
        XCTAssertEqual(spendableAfterMint, 64)

        let sent = try await finished(bed, config: alice, ["wallet", "send", "10", "--mint", mint])
        XCTAssertEqual(sent.status, 0, sent.process.stderr)
        let token = try XCTUnwrap(sent.objects.last?["token"] as? String)
        XCTAssertTrue(token.hasPrefix("cashuB"))
        XCTAssertEqual(try CashuToken.decode(token).amount, 10)
        XCTAssertTrue(try CashuToken.decode(token).proofs.allSatisfy { $0.dleq != nil }, "tokens carry DLEQ proofs")

        let received = try await finished(bed, config: bob, ["wallet", "receive", token])
        XCTAssertEqual(received.status, 0, received.process.stderr)
        XCTAssertEqual(received.objects.last?["amount"] as? Int, 10)
        let bobSpendable = try await spendable(bed, config: bob)
        XCTAssertEqual(bobSpendable, 10)
        // Alice's record of the token goes once the mint shows it spent.
        let aliceBalance = try await finished(bed, config: alice, ["wallet", "balance"])
        let aliceMints = try XCTUnwrap(aliceBalance.objects.last?["mints"] as? [[String: Any]])
        XCTAssertEqual(aliceMints.first?["amount"] as? Int, 54)
        XCTAssertEqual(aliceMints.first?["outstanding"] as? Int, 0)

        // The same token again: Bob's swap made it spent.
        let again = try await finished(bed, config: configDirectory(), ["wallet", "receive", token])
        XCTAssertEqual(again.status, 6, "a payment failure")
        XCTAssertTrue(again.process.stderr.contains("spent"), again.process.stderr)
    }

    /// The balance (msats) of an LNbits wallet, by its invoice key.
    private func lnbitsBalance(_ bed: TestBed, inkey: String) async throws -> Int64 {
        var request = HTTPClientRequest(url: try bed.require("NCN_LNBITS_URL") + "/api/v1/wallet")
        request.headers.add(name: "X-Api-Key", value: inkey)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
        return try XCTUnwrap((object["balance"] as? NSNumber)?.int64Value)
    }

    /// NUT-04 for real: the mint-ln peer's invoices come from LNbits' `mint` wallet, and the
    /// tenant's NWC wallet (LNbits `tenant`) pays one; the sats move, and the ecash is minted.
    func testMintPaysTheMintsInvoiceOverNWC() async throws {
        let bed = try TestBed.load()
        let mint = try bed.require("NCN_MINT_LN_URL")
        let tenantBefore = try await lnbitsBalance(bed, inkey: try bed.require("NCN_LNBITS_TENANT_INKEY"))
        let mintBefore = try await lnbitsBalance(bed, inkey: try bed.require("NCN_LNBITS_MINT_INKEY"))
        let config = configDirectory()

        let minted = try await finished(bed, config: config, ["wallet", "mint", "21", "--mint", mint])
        XCTAssertEqual(minted.status, 0, "\(minted.objects)\n\(minted.process.stderr)")
        XCTAssertNotNil(minted.objects.first { $0["event"] as? String == "paying" }, "the invoice was paid by NWC")
        XCTAssertEqual(minted.objects.last?["amount"] as? Int, 21)
        let tenantAfter = try await lnbitsBalance(bed, inkey: try bed.require("NCN_LNBITS_TENANT_INKEY"))
        let mintAfter = try await lnbitsBalance(bed, inkey: try bed.require("NCN_LNBITS_MINT_INKEY"))
        XCTAssertEqual(tenantBefore - tenantAfter, 21_000, "the tenant's wallet paid 21 sat")
        XCTAssertEqual(mintAfter - mintBefore, 21_000, "the mint's wallet received them")
        let spendable = try await spendable(bed, config: config)
        XCTAssertEqual(spendable, 21)

        // A second quote in the same wallet, then a token from it is worth what it says.
        let sent = try await finished(bed, config: config, ["wallet", "send", "5", "--mint", mint])
        XCTAssertEqual(sent.status, 0, sent.process.stderr)
        let received = try await finished(bed, config: configDirectory(), ["wallet", "receive", try XCTUnwrap(sent.objects.last?["token"] as? String)])
        XCTAssertEqual(received.objects.last?["amount"] as? Int, 5, received.process.stderr)
    }

    /// Two exchanges a crash interrupted, found in the file: a receive the mint carried out (its
    /// answer lost) is restored with NUT-09, and one the mint never saw is sent again.
    func testInterruptedReceivesAreFinishedFromTheFile() async throws {
        let bed = try TestBed.load()
        let mint = try bed.require("NCN_MINT_URL")
        let alice = configDirectory(), bob = configDirectory()
        let minted = try await finished(bed, config: alice, ["wallet", "mint", "40", "--mint", mint])
        XCTAssertEqual(minted.status, 0, minted.process.stderr)
        var tokens: [CashuToken] = []
        for amount in [8, 5] {
            let sent = try await finished(bed, config: alice, ["wallet", "send", String(amount), "--mint", mint])
            tokens.append(try CashuToken.decode(try XCTUnwrap(sent.objects.last?["token"] as? String)))
        }

        // What `receive` writes before it asks the mint, for each token.
        let client = CashuMintClient(baseURL: mint)
        let keyset = try await client.activeKeyset(unit: "sat")
        let store = CashuWalletStore(paths: TenantPaths(directory: bob.appendingPathComponent("ncn")))
        var operations: [CashuWalletOperation] = []
        for token in tokens {
            let keep = try CashuWalletCrypto.outputs(amounts: CashuWalletCrypto.denominations(of: token.amount), keyset: keyset)
            operations.append(CashuWalletOperation(kind: .receive, mint: mint, unit: "sat", inputs: token.proofs, keep: keep))
        }
        try store.save(CashuWalletState(operations: operations))
        // The first swap reaches the mint; then the process "dies" before storing anything.
        _ = try await client.swap(inputs: operations[0].inputs, outputs: operations[0].keep.map(\.blindedMessage))
        try Data("half a wallet".utf8).write(to: bob.appendingPathComponent("ncn/.cashu-wallet.json.999.tmp"))

        let balance = try await finished(bed, config: bob, ["wallet", "balance"])
        XCTAssertEqual(balance.status, 0, balance.process.stderr)
        let notes = balance.objects.filter { $0["event"] as? String == "recovered" }.compactMap { $0["note"] as? String }
        XCTAssertEqual(notes.count, 2, "\(notes)")
        XCTAssertTrue(notes.contains { $0.contains("finished an interrupted receive") }, "\(notes)")
        XCTAssertTrue(notes.contains { $0.contains("received 5 sat") }, "\(notes)")
        let mints = try XCTUnwrap(balance.objects.last?["mints"] as? [[String: Any]])
        XCTAssertEqual(mints.first?["amount"] as? Int, 13)
        XCTAssertEqual(try store.load().operations, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: bob.appendingPathComponent("ncn/.cashu-wallet.json.999.tmp").path))
        let states = try await client.checkState(try store.load().proofs.map { try XCTUnwrap(CashuWalletCrypto.y(of: $0.proof)) })
        XCTAssertEqual(states, Array(repeating: .unspent, count: states.count), "the restored ecash is real")
    }

    /// A crash after each first write, found in the file: a quote paid but never minted is minted;
    /// a send the mint never saw is undone (our proofs back); a nutzap swap the mint carried out is
    /// restored, its change spendable and its locked proofs listed as not yet redeemed.
    func testInterruptedMintSendAndNutzapAreFinishedFromTheFile() async throws {
        let bed = try TestBed.load()
        let mint = try bed.require("NCN_MINT_URL")
        let config = configDirectory()
        let minted = try await finished(bed, config: config, ["wallet", "mint", "48", "--mint", mint])
        XCTAssertEqual(minted.status, 0, minted.process.stderr)
        let client = CashuMintClient(baseURL: mint)
        let keyset = try await client.activeKeyset(unit: "sat")
        let store = CashuWalletStore(paths: TenantPaths(directory: config.appendingPathComponent("ncn")))

        // A quote the FakeWallet mint marks paid by itself, recorded and never minted.
        let quote = try await client.requestMintQuote(amount: 8, unit: "sat")
        _ = try await eventually("the quote to be paid", timeout: .seconds(10)) { () -> Bool? in
            try await client.mintQuote(quote.quote).state == .paid ? true : nil
        }
        var minting = CashuWalletOperation(kind: .mint, mint: mint, unit: "sat",
                                           keep: try CashuWalletCrypto.outputs(amounts: CashuWalletCrypto.denominations(of: 8), keyset: keyset))
        minting.quote = quote.quote
        minting.quoteExpiry = quote.expiry
        // Our 48 sat split: 32 into a send the mint never sees, 16 into a nutzap swap it carries out.
        var state = try store.load()
        let big = try XCTUnwrap(state.proofs.first { $0.proof.amount == 32 }?.proof)
        let small = try XCTUnwrap(state.proofs.first { $0.proof.amount == 16 }?.proof)
        let send = CashuWalletOperation(kind: .send, mint: mint, unit: "sat", inputs: [big],
                                        give: try CashuWalletCrypto.outputs(amounts: [32], keyset: keyset))
        let lock = "02" + SecretKey.generate().publicKey.hex
        let nutzap = CashuWalletOperation(kind: .nutzap, mint: mint, unit: "sat", inputs: [small],
                                          keep: try CashuWalletCrypto.outputs(amounts: [2, 4], keyset: keyset),
                                          give: try CashuWalletCrypto.outputs(amounts: [2, 8], keyset: keyset, lock: lock))
        state.proofs.removeAll { $0.proof == big || $0.proof == small }
        state.operations = [minting, send, nutzap]
        try store.save(state)
        _ = try await client.swap(inputs: nutzap.inputs, outputs: (nutzap.keep + nutzap.give).map(\.blindedMessage))

        let before = CashuWallet.balances(try store.load()).first
        XCTAssertEqual(before?.spendable, 0)
        XCTAssertEqual(before?.inFlight, 48)
        let balance = try await finished(bed, config: config, ["wallet", "balance"])
        XCTAssertEqual(balance.status, 0, balance.process.stderr)
        let notes = balance.objects.filter { $0["event"] as? String == "recovered" }.compactMap { $0["note"] as? String }
        XCTAssertTrue(notes.contains { $0.hasPrefix("minted 8 sat") }, "\(notes)")
        XCTAssertTrue(notes.contains { $0.contains("interrupted send was undone: its 32 sat are back") }, "\(notes)")
        XCTAssertTrue(notes.contains { $0.contains("finished an interrupted nutzap") }, "\(notes)")
        let mints = try XCTUnwrap(balance.objects.last?["mints"] as? [[String: Any]])
        XCTAssertEqual(mints.first?["amount"] as? Int, 8 + 32 + 6)
        XCTAssertEqual(mints.first?["outstanding"] as? Int, 10, "the locked proofs wait for their provider")
        let after = try store.load()
        XCTAssertEqual(after.operations.map(\.kind), [.nutzap])
        XCTAssertEqual(after.operations.first?.state, .signed)
        XCTAssertTrue(after.operations.first?.outgoing.allSatisfy { CashuSpendingCondition.parse(secret: $0.secret)?.data == lock } ?? false)
    }

    func testRunPaysThreeTranchesWithNutzapsFromItsOwnWallet() async throws {
        let market = try MarketBed()
        self.market = market
        let bed = market.bed
        let mint = try bed.require("NCN_MINT_URL")
        let tenant = SecretKey.generate()
        let config = configDirectory()
        let minted = try await finished(bed, config: config, ["wallet", "mint", "100", "--mint", mint])
        XCTAssertEqual(minted.status, 0, minted.process.stderr)
        // As if an earlier ncn died in the middle of a send: every proof sits in an exchange the
        // mint never saw, so nothing is spendable until the payer settles it.
        let store = CashuWalletStore(paths: TenantPaths(directory: config.appendingPathComponent("ncn")))
        var state = try store.load()
        let keyset = try await CashuMintClient(baseURL: mint).activeKeyset(unit: "sat")
        state.operations.append(CashuWalletOperation(kind: .send, mint: mint, unit: "sat", inputs: state.proofs.map(\.proof),
                                                     give: try CashuWalletCrypto.outputs(amounts: CashuWalletCrypto.denominations(of: 100), keyset: keyset)))
        state.proofs = []
        try store.save(state)

        var paidMsats: Int64 = 0
        try await market.withProvider { admin, start in
            let running = try start()
            defer { running.kill() }
            try await Task.sleep(for: .seconds(2))
            let cli = try ncn(bed, config: config, key: tenant, [
                "run", "docker.io/library/busybox:1.36", "--cpu", "500m", "--memory", "64Mi", "--gpus", "1", "--gpu-model", market.gpuModel,
                "--duration", "30", "--provider", NIP19.encodeNpub(market.providerKey.publicKey), "--max-price", "1000000", "--pay", "cashu", "--json"])
            let published = try await cli.next("published")
            let request = try XCTUnwrap(published["request"] as? String)
            let lease = ComputeLease.name(forRequestEventId: request)
            let bid = try await cli.next("bid", timeout: .seconds(20))
            let price = try XCTUnwrap((bid["price_msats"] as? NSNumber)?.int64Value)
            XCTAssertEqual(bid["tranches"] as? Int, 3)
            _ = try await cli.next("paid", timeout: .seconds(30))
            try await market.playKubelet(admin, lease: lease)

            let ended = try await cli.next("ended", timeout: .seconds(90))
            XCTAssertEqual(ended["status"] as? String, "completed", "\(cli.lines.joined(separator: "\n"))\n\(cli.stderr)\n\(running.logText.suffix(3000))")
            XCTAssertEqual(ended["reason"] as? String, "duration-ended")
            XCTAssertEqual((ended["paid_msats"] as? NSNumber)?.int64Value, 3 * price, "three tranches paid, nothing more")
            XCTAssertEqual(cli.lines(of: "paid").compactMap { $0["tranche"] as? Int }, [0, 1, 2])
            let status = try await cli.exitStatus()
            XCTAssertEqual(status, 0, cli.stderr)
            let ledger = try await admin.get(ComputeLease.self, name: lease).status?.ledger
            XCTAssertEqual(ledger?.tranchesPaid, 3)
            XCTAssertEqual(ledger?.msatsReceived, 3 * price)
            XCTAssertEqual(ledger?.credits?.allSatisfy { $0.rail == .cashu }, true)
            paidMsats = 3 * price
        }
        // The wallet paid exactly that: the nutzaps were redeemed, so their records are gone.
        let balance = try await finished(bed, config: config, ["wallet", "balance"])
        let mints = try XCTUnwrap(balance.objects.last?["mints"] as? [[String: Any]])
        let left = try XCTUnwrap(mints.first?["amount"] as? Int)
        XCTAssertEqual(mints.first?["outstanding"] as? Int, 0, "every nutzap redeemed by the provider")
        XCTAssertEqual(Int64(left), 100 - paidMsats / 1000)
    }
}
