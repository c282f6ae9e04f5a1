@testable import Billing
import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
@testable import Operator
import Tenant
import XCTest

/// Escrow through the operator binary (draft §7.7), over the test bed's real relays and mint: a
/// request asking for escrow with two escrowed tranches in it is bid on with the escrow echoed
/// and leased with both held as locked; a decision from a key that is not the lease's
/// arbitrator and a release from someone who is not its tenant change nothing; the arbitrator's
/// decision releases the first tranche and the tenant's release the second, each swapped at the
/// mint and marked earned.
final class MarketEscrowTests: MarketBedTestCase {
    private let tenant = SecretKey.generate(), arbitrator = SecretKey.generate()
    private var folder: URL!
    private var source: CashuTestWallet!
    private var wallet: CashuWallet!
    private var pool: RelayPool!
    private var runner: Task<Void, any Error>?

    override func setUp() async throws {
        try await super.setUp()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-market-escrow-\(UUID().uuidString)")
        source = try CashuTestWallet(bed: market.bed)
        try source.fund(20)
        wallet = CashuWallet(paths: TenantPaths(directory: folder))
        _ = try await wallet.receive(try source.send(20))
        pool = try RelayPool(relays: [try market.bed.require("NCN_RELAY_SDK_URL"), try market.bed.require("NCN_RELAY_PY_URL")])
        runner = Task { [pool] in try await pool!.run() }
    }

    override func tearDown() {
        runner?.cancel()
        source?.remove()
        if let folder { try? FileManager.default.removeItem(at: folder) }
        super.tearDown()
    }

    /// One escrowed sat for a tranche, locked for an hour.
    private func escrowedSat() async throws -> [CashuProof] {
        let lock = CashuEscrowLock(provider: market.cashuKey.publicKey, tenant: tenant.publicKey, arbitrator: arbitrator.publicKey,
                                   locktime: Int64(Date().timeIntervalSince1970) + 3600)
        return try await wallet.spend(1, mint: try market.bed.require("NCN_MINT_URL"), unit: "sat", kind: .escrow, escrow: lock).outgoing
    }

    private func takesEscrow(_ spec: inout ComputeProviderSpec) {
        spec.payments.cashu?.escrow = EscrowSettings(arbitrators: [arbitrator.publicKey.hex], disputeWindowSeconds: 60, maxUnreleasedTranches: 2)
    }

    func testEscrowedTranchesInARequestAreReleasedByTheArbitratorsDecisionAndTheTenantsReleaseOverNostr() async throws {
        let bed = market.bed, pool = pool!, tenant = tenant, arbitrator = arbitrator
        let mint = try bed.require("NCN_MINT_URL")
        let first = try await escrowedSat(), second = try await escrowedSat()

        try await market.withProvider(takesEscrow) { admin, start in
            let running = try start()
            defer { running.kill() }
            let provider = market.provider
            do {
                step = "the request"
                let request = try EventBuilder(kind: ComputeKinds.request, content: "", tags: [
                    ["param", "image", "docker.io/library/busybox:1.36"], ["param", "cpu", "500m"], ["param", "memory", "64Mi"],
                    ["param", "duration", "30"], ["bid", "1000000"], ["param", "rail", "cashu"],
                    ["param", "escrow", arbitrator.publicKey.hex],
                    ["param", "cashu", CashuToken(mint: mint, unit: "sat", proofs: first).encodedV3()],
                    ["param", "cashu", CashuToken(mint: mint, unit: "sat", proofs: second).encodedV3()],
                    ["p", provider], ["relays", try bed.require("NCN_RELAY_SDK_URL")],
                ]).sign(with: tenant)
                let published = await pool.publish(request)
                XCTAssertTrue(published.values.contains { $0.isSuccess })
                let name = ComputeLease.name(forRequestEventId: request.id)

                step = "both tranches held as locked"
                let held = try await eventually("two escrowed tranches on the lease", timeout: .seconds(30)) { () -> ComputeLease? in
                    guard let lease = try? await admin.get(ComputeLease.self, name: name), lease.status?.ledger?.escrow?.count == 2 else { return nil }
                    return lease
                }
                XCTAssertEqual(held.spec.escrow?.arbitrator, arbitrator.publicKey.hex)
                XCTAssertEqual(held.status?.ledger?.escrowedMsats, 2_000)
                let bids = await pool.stored([Filter(authors: [provider], kinds: [ComputeKinds.result], tags: ["e": [request.id]])], timeout: .seconds(5)) ?? []
                XCTAssertTrue(bids.contains { $0.tags.contains { $0.first == "escrow" && $0.count >= 2 && $0[1] == arbitrator.publicKey.hex } },
                              "the bid echoes the escrow")

                step = "signatures from the wrong keys"
                let impostor = SecretKey.generate()
                let forgedDecision = ComputeEscrowSignatures(purpose: .decision, requestID: request.id, tranche: 0, recipient: provider,
                                                             signatures: try CashuEscrowSignatures.sign(first, with: impostor).byY)
                let strangersRelease = ComputeEscrowSignatures(purpose: .release, requestID: request.id, tranche: 0, recipient: provider,
                                                               signatures: try CashuEscrowSignatures.sign(first, with: impostor).byY)
                for event in [try forgedDecision.sign(with: impostor), try strangersRelease.sign(with: impostor)] { _ = await pool.publish(event) }
                try await Task.sleep(for: .seconds(3))
                var lease = try await admin.get(ComputeLease.self, name: name)
                XCTAssertEqual(lease.status?.ledger?.escrowedMsats, 2_000, "nothing released by strangers")

                step = "the arbitrator decides the first tranche for the provider"
                let decision = ComputeEscrowSignatures(purpose: .decision, requestID: request.id, tranche: 0, recipient: provider,
                                                       signatures: try CashuEscrowSignatures.sign(first, with: arbitrator).byY,
                                                       otherParty: tenant.publicKey.hex, reason: "served")
                _ = await pool.publish(try decision.sign(with: arbitrator))
                lease = try await eventually("the first tranche released", timeout: .seconds(20)) { () -> ComputeLease? in
                    guard let lease = try? await admin.get(ComputeLease.self, name: name), lease.status?.ledger?.escrowedMsats == 1_000 else { return nil }
                    return lease
                }
                let firstSpent = try await CashuMintClient(baseURL: mint).allUnspent(first)
                XCTAssertFalse(firstSpent, "swapped by the provider")

                step = "the tenant releases the second"
                let release = ComputeEscrowSignatures(purpose: .release, requestID: request.id, tranche: 1, recipient: provider,
                                                      signatures: try CashuEscrowSignatures.sign(second, with: tenant).byY)
                _ = await pool.publish(try release.sign(with: tenant))
                lease = try await eventually("the second tranche released", timeout: .seconds(20)) { () -> ComputeLease? in
                    guard let lease = try? await admin.get(ComputeLease.self, name: name), lease.status?.ledger?.escrowedMsats == nil,
                          lease.status?.ledger?.escrow?.allSatisfy({ $0.state == .released }) ?? false else { return nil }
                    return lease
                }
                XCTAssertEqual(lease.status?.ledger?.msatsReceived, 2_000)
                let secondSpent = try await CashuMintClient(baseURL: mint).allUnspent(second)
                XCTAssertFalse(secondSpent)
                let metrics = try await running.metrics()
                XCTAssertTrue(metrics.contains("ncn_escrow_released_msats_total 2000"), metrics)
            } catch {
                XCTFail("\(step): operator log:\n\(running.logText.suffix(5000))")
                throw error
            }
        }
    }

    /// The tenant pays one escrowed tranche and vanishes: at its paid-until plus half the window
    /// the operator asks the arbitrator (a 7900 escrow-unreleased with the proof secrets), the
    /// arbitrator's side of ncn finds the claim and decides for the provider, and the operator
    /// swaps the tranche, though the lease ended unpaid and is gone by then.
    func testWhenTheTenantVanishesTheProviderAsksTheArbitratorAndSwapsOnItsDecision() async throws {
        let bed = market.bed, pool = pool!, tenant = tenant, arbitrator = arbitrator
        let mint = try bed.require("NCN_MINT_URL")
        let proofs = try await escrowedSat()

        try await market.withProvider(takesEscrow) { admin, start in
            let running = try start()
            defer { running.kill() }
            let provider = market.provider
            do {
                step = "the request with one escrowed tranche"
                let request = try EventBuilder(kind: ComputeKinds.request, content: "", tags: [
                    ["param", "image", "docker.io/library/busybox:1.36"], ["param", "cpu", "500m"], ["param", "memory", "64Mi"],
                    ["param", "duration", "30"], ["bid", "1000000"], ["param", "escrow", arbitrator.publicKey.hex],
                    ["param", "cashu", CashuToken(mint: mint, unit: "sat", proofs: proofs).encodedV3()],
                    ["p", provider], ["relays", try bed.require("NCN_RELAY_SDK_URL")],
                ]).sign(with: tenant)
                _ = await pool.publish(request)

                step = "the provider's claim reaches the arbitrator"
                let arbitration = EscrowArbitration(key: arbitrator, pool: pool)
                let found = try await eventually("the provider's claim", timeout: .seconds(90), every: .seconds(2)) { () -> ArbitrationCase? in
                    try? await arbitration.cases().first { $0.report.requestID == request.id }
                }
                XCTAssertEqual(found.report.category, .unreleased)
                XCTAssertEqual(found.provider, provider)
                XCTAssertEqual(found.tenant, tenant.publicKey.hex)
                XCTAssertEqual(Set(found.report.secrets), Set(proofs.map(\.secret)))
                let ended = try? await admin.get(ComputeLease.self, name: ComputeLease.name(forRequestEventId: request.id))
                XCTAssertTrue(ended == nil || ended?.metadata.deletionTimestamp != nil, "the lease ended unpaid after its one tranche")

                step = "the arbitrator decides for the provider"
                _ = try await arbitration.decide(found, forTenant: false, reason: "the provider served the tranche; the tenant is silent")
                let vault = SecretEcashVault(client: admin, namespace: "ncn-system")
                let swapped = try await eventually("the tranche swapped", timeout: .seconds(20)) { () -> Bool? in
                    let unspent = try? await CashuMintClient(baseURL: mint).allUnspent(proofs)
                    return unspent == false ? true : nil
                }
                XCTAssertTrue(swapped)
                let left = try await vault.records().filter { $0.reference == ComputeLease.name(forRequestEventId: request.id) }
                XCTAssertEqual(left.map(\.state), [.received], "the hold is gone, the provider's new proofs stay")
                let metrics = try await running.metrics()
                XCTAssertTrue(metrics.contains("ncn_escrow_claims_total 1"), metrics)
            } catch {
                XCTFail("\(step): operator log:\n\(running.logText.suffix(5000))")
                throw error
            }
        }
    }
}
