import Billing
import ComputeAPI
import Foundation
import NostrBridge
import Operator
import Tenant
import XCTest

/// The tenant's and the arbitrator's sides of escrow (draft §7.7) in the built `ncn` binary,
/// against the test bed's real relays and nutshell mint. The tenant's wallet escrows a tranche
/// the provider never served; `ncn dispute` takes it to the arbitrator, `ncn arbitrate list` and
/// `show` find it with its evidence, a decision forged by another key changes nothing,
/// `ncn arbitrate decide` decides for the tenant, and `ncn reclaim` takes the ecash back.
final class NcnEscrowTests: XCTestCase {
    private var processes: [NcnProcess] = []
    private var directories: [URL] = []
    private var nutshell: CashuTestWallet?

    override func tearDown() {
        for process in processes { process.kill() }
        for directory in directories { try? FileManager.default.removeItem(at: directory) }
        nutshell?.remove()
        super.tearDown()
    }

    private func configDirectory() -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-escrow-it-\(UUID().uuidString)")
        directories.append(directory)
        return directory
    }

    private func ncn(_ bed: TestBed, config: URL, key: SecretKey, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (objects: [[String: Any]], status: Int32, stderr: String) {
        let process = try NcnProcess(arguments: arguments + ["--json"], environment: [
            "XDG_CONFIG_HOME": config.path, "NCN_KEY": NIP19.encodeNsec(key),
            "NCN_RELAYS": "\(try bed.require("NCN_RELAY_SDK_URL")),\(try bed.require("NCN_RELAY_PY_URL"))",
        ])
        processes.append(process)
        let status = try await process.exitStatus(timeout: timeout)
        return (process.objects, status, process.stderr)
    }

    func testADisputedTrancheIsDecidedForTheTenantWhoTakesItBackAndAForgedDecisionIsIgnored() async throws {
        let bed = try TestBed.load()
        let mint = try bed.require("NCN_MINT_URL")
        let tenant = SecretKey.generate(), arbitrator = SecretKey.generate(), provider = SecretKey.generate(), providerCashu = SecretKey.generate()
        let tenantConfig = configDirectory(), arbitratorConfig = configDirectory()
        let requestID = String(repeating: "0", count: 48) + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16)).lowercased()

        // The tenant's wallet (the file ncn reads) escrows 40 sats for tranche 0.
        let source = try CashuTestWallet(bed: bed)
        nutshell = source
        try source.fund(100)
        let wallet = CashuWallet(paths: TenantPaths(directory: tenantConfig.appendingPathComponent("ncn")))
        _ = try await wallet.receive(try source.send(100))
        let lock = CashuEscrowLock(provider: providerCashu.publicKey, tenant: tenant.publicKey, arbitrator: arbitrator.publicKey,
                                   locktime: Int64(Date().timeIntervalSince1970) + 3600)
        let escrowed = try await wallet.spend(40, mint: mint, unit: "sat", kind: .escrow, escrow: lock,
                                              reference: EscrowTranche.reference(requestID: requestID, tranche: 0), provider: provider.publicKey.hex)
        let left = try await wallet.spendable(mint: mint, unit: "sat")
        XCTAssertEqual(left, 60)

        // Before any decision the tenant cannot take it back.
        let early = try await ncn(bed, config: tenantConfig, key: tenant, ["reclaim", requestID])
        XCTAssertNotEqual(early.status, 0)
        XCTAssertTrue(early.stderr.contains("still locked"), early.stderr)

        let disputed = try await ncn(bed, config: tenantConfig, key: tenant, ["dispute", requestID, "--reason", "the endpoint never answered"])
        XCTAssertEqual(disputed.status, 0, disputed.stderr)
        let caseID = try XCTUnwrap(disputed.objects.last?["dispute"] as? String)

        let listed = try await ncn(bed, config: arbitratorConfig, key: arbitrator, ["arbitrate", "list"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let open = try XCTUnwrap(listed.objects.first { $0["case"] as? String == caseID })
        XCTAssertEqual(open["tenant"] as? String, tenant.publicKey.hex)
        XCTAssertEqual(open["provider"] as? String, provider.publicKey.hex)
        XCTAssertEqual(open["proofs"] as? Int, escrowed.outgoing.count)
        let shown = try await ncn(bed, config: arbitratorConfig, key: arbitrator, ["arbitrate", "show", caseID])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.objects.contains { $0["event"] as? String == "evidence" && $0["id"] as? String == caseID }, "the dispute is part of the record")
        let stranger = try await ncn(bed, config: configDirectory(), key: SecretKey.generate(), ["arbitrate", "list"])
        XCTAssertFalse(stranger.objects.contains { $0["case"] as? String == caseID }, "only the named arbitrator sees it as its case")

        // A decision "for the tenant" from a key that is not the arbitrator: ignored.
        let impostor = SecretKey.generate()
        let forged = ComputeEscrowSignatures(purpose: .decision, requestID: requestID, tranche: 0, recipient: tenant.publicKey.hex,
                                             signatures: try CashuEscrowSignatures.sign(escrowed.outgoing, with: impostor).byY, claimID: caseID)
        let pool = try RelayPool(relays: [try bed.require("NCN_RELAY_SDK_URL"), try bed.require("NCN_RELAY_PY_URL")])
        let runner = Task { try await pool.run() }
        defer { runner.cancel() }
        let published = await pool.publish(try forged.sign(with: impostor))
        XCTAssertTrue(published.values.contains { $0.isSuccess })
        let stillLocked = try await ncn(bed, config: tenantConfig, key: tenant, ["reclaim", requestID])
        XCTAssertNotEqual(stillLocked.status, 0, "a forged decision unlocked the tranche")

        let decided = try await ncn(bed, config: arbitratorConfig, key: arbitrator,
                                    ["arbitrate", "decide", caseID, "--for", "tenant", "--reason", "no running or endpoint ever published"])
        XCTAssertEqual(decided.status, 0, decided.stderr)
        let again = try await ncn(bed, config: arbitratorConfig, key: arbitrator, ["arbitrate", "decide", caseID, "--for", "provider", "--reason", "changed my mind"])
        XCTAssertNotEqual(again.status, 0, "a second decision would hand both sides a signature")
        XCTAssertTrue(again.stderr.contains("already decided"), again.stderr)

        let reclaimed = try await ncn(bed, config: tenantConfig, key: tenant, ["reclaim", requestID])
        XCTAssertEqual(reclaimed.status, 0, reclaimed.stderr)
        XCTAssertEqual(reclaimed.objects.last?["amount"] as? Int, 40)
        let whole = try await wallet.spendable(mint: mint, unit: "sat")
        XCTAssertEqual(whole, 100)
        let spent = try await CashuMintClient(baseURL: mint).allUnspent(escrowed.outgoing)
        XCTAssertFalse(spent, "the escrowed proofs are spent: the provider can no longer take them")
        let after = try await ncn(bed, config: tenantConfig, key: tenant, ["reclaim", requestID])
        XCTAssertNotEqual(after.status, 0, "the tranche is gone from the wallet")
    }

    /// `ncn run --pay cashu --escrow ARBITRATOR` against the operator binary: only a bid echoing
    /// the escrow is paid, every tranche is locked in escrow, and ncn releases each once served;
    /// the operator swaps all three, and the tenant's wallet paid exactly the three tranches.
    func testRunPaysEveryTrancheIntoEscrowAndReleasesEachOnceServed() async throws {
        let market = try MarketBed()
        defer { market.tearDown() }
        let bed = market.bed
        let mint = try bed.require("NCN_MINT_URL")
        let tenant = SecretKey.generate(), arbitrator = SecretKey.generate()
        let config = configDirectory()
        let source = try CashuTestWallet(bed: bed)
        nutshell = source
        try source.fund(50)
        let wallet = CashuWallet(paths: TenantPaths(directory: config.appendingPathComponent("ncn")))
        _ = try await wallet.receive(try source.send(50))

        try await market.withProvider({
            $0.payments.cashu?.escrow = EscrowSettings(arbitrators: [arbitrator.publicKey.hex], disputeWindowSeconds: 60, maxUnreleasedTranches: 2)
        }) { admin, start in
            let running = try start()
            defer { running.kill() }
            try await Task.sleep(for: .seconds(2))
            let cli = try NcnProcess(arguments: [
                "run", "docker.io/library/busybox:1.36", "--cpu", "500m", "--memory", "64Mi", "--duration", "30",
                "--provider", NIP19.encodeNpub(market.providerKey.publicKey), "--pay", "cashu", "--escrow", NIP19.encodeNpub(arbitrator.publicKey), "--json",
            ], environment: [
                "XDG_CONFIG_HOME": config.path, "NCN_KEY": NIP19.encodeNsec(tenant),
                "NCN_RELAYS": "\(try bed.require("NCN_RELAY_SDK_URL")),\(try bed.require("NCN_RELAY_PY_URL"))",
            ])
            processes.append(cli)
            let published = try await cli.next("published")
            let request = try XCTUnwrap(published["request"] as? String)
            let lease = ComputeLease.name(forRequestEventId: request)
            let bid = try await cli.next("bid", timeout: .seconds(20))
            let price = try XCTUnwrap((bid["price_msats"] as? NSNumber)?.int64Value)
            _ = try await cli.next("paid", timeout: .seconds(30))
            try await market.playKubelet(admin, lease: lease)
            let ended = try await cli.next("ended", timeout: .seconds(90))
            XCTAssertEqual(ended["status"] as? String, "completed", "\(cli.lines.joined(separator: "\n"))\n\(cli.stderr)\n\(running.logText.suffix(3000))")
            let status = try await cli.exitStatus()
            XCTAssertEqual(status, 0, cli.stderr)
            XCTAssertEqual(cli.lines(of: "paid").compactMap { $0["tranche"] as? Int }, [0, 1, 2])
            XCTAssertEqual(Set(cli.lines(of: "escrow-released").compactMap { $0["tranche"] as? Int }), [0, 1, 2], cli.lines.joined(separator: "\n"))

            let vault = SecretEcashVault(client: admin, namespace: "ncn-system")
            let records = try await eventually("every tranche swapped by the provider", timeout: .seconds(30)) { () -> [EcashRecord]? in
                let records = (try? await vault.records().filter { $0.reference == lease }) ?? []
                return records.count == 3 && records.allSatisfy({ $0.state == .received && $0.credited }) ? records : nil
            }
            XCTAssertEqual(records.compactMap(\.redemption?.amountMsats).reduce(0, +), 3 * price)
            let left = try await wallet.spendable(mint: mint, unit: "sat")
            XCTAssertEqual(Int64(left), 50 - 3 * price / 1000, "the wallet paid the three tranches, nothing more")
        }
    }
}
