@testable import Billing
import ComputeAPI
import Foundation
import KubeClient
@testable import Operator
import XCTest

/// Ecash locked to the provider that pays for nothing (issue 13): in a refused request, or in a
/// nutzap for a request that has no lease. The provider swaps it on sight into its vault under
/// `unclaimed-<request id>`, so the same proofs pasted into someone else's request or nutzap are
/// refused as already redeemed instead of paying for that lease.
final class MarketUnclaimedCashuTests: XCTestCase {
    private var market: MarketBed!
    private var wallet: CashuTestWallet!

    override func setUp() async throws {
        market = try MarketBed()
        wallet = try CashuTestWallet(bed: market.bed)
        try wallet.fund(50)
    }

    override func tearDown() {
        wallet?.remove()
        market?.tearDown()
        super.tearDown()
    }

    func testProofsFromARefusedRequestOrANutzapWithoutALeaseAreKeptAndNotCreditedAgain() async throws {
        try await market.withProvider { admin, start in
            let running = try start()
            defer { running.kill() }
            let provider = market.provider
            let lockKey = "02" + market.cashuKey.publicKey.hex
            let vault = SecretEcashVault(client: admin, namespace: "ncn-system")
            func kept(_ request: String) async throws -> EcashRecord? {
                try await vault.records().first { $0.reference == CashuPayments.unclaimedPrefix + request }
            }
            do {
                // A refused request (its bid is too low) carrying locked ecash: refused, and the ecash kept.
                let mallory = try TenantClient(bed: market.bed)
                let locked = try wallet.send(3, lock: lockKey)
                let refused = try await mallory.request(TenantRequest(cpu: "100m", memory: "64Mi", bidMsats: 1, rail: "cashu",
                                                                      cashuTokens: [locked], provider: provider))
                let refusedWatch = try await mallory.watch(request: refused.id, provider: provider, until: ["error"])
                _ = try await refusedWatch.next(status: "error", kind: 7000)
                refusedWatch.stop()
                // Written pending before the swap at the mint, received after it.
                let record = try await eventually("the refused request's ecash to be kept", timeout: .seconds(20)) { () -> EcashRecord? in
                    guard let record = try await kept(refused.id), record.state != .pending else { return nil }
                    return record
                }
                XCTAssertEqual(record.state, .received)
                XCTAssertFalse(record.credited)

                // Someone pastes the same proofs into a request of their own: bid, but not paid by them.
                let copier = try TenantClient(bed: market.bed)
                let pasted = try await copier.request(TenantRequest(cpu: "100m", memory: "64Mi", bidMsats: 1_000_000, rail: "cashu",
                                                                    cashuTokens: [locked], provider: provider))
                let pastedWatch = try await copier.watch(request: pasted.id, provider: provider)
                defer { pastedWatch.stop() }
                let notAccepted = try await pastedWatch.next(where: { $0.kind == 7000 && $0.status == "error" }, timeout: .seconds(20))
                XCTAssertTrue(notAccepted.statusText?.contains("already spent") ?? false, notAccepted.statusText ?? "nil")
                let lease = try await admin.get(ComputeLease.self, name: ComputeLease.name(forRequestEventId: pasted.id))
                XCTAssertEqual(lease.status?.ledger?.msatsReceived ?? 0, 0, "pasted proofs paid for nothing")

                // A nutzap for a request with no lease: kept too; the same proofs in a nutzap for the
                // copier's lease are not credited.
                let zapped = try wallet.send(2, lock: lockKey)
                let nowhere = String(repeating: "e", count: 64)
                _ = try await copier.nutzap(request: nowhere, provider: provider, token: zapped)
                _ = try await eventually("the stray nutzap's ecash to be kept", timeout: .seconds(20)) { try await kept(nowhere) }
                _ = try await copier.nutzap(request: pasted.id, provider: provider, token: zapped)
                try await Task.sleep(for: .seconds(3))
                let after = try await admin.get(ComputeLease.self, name: ComputeLease.name(forRequestEventId: pasted.id))
                XCTAssertEqual(after.status?.ledger?.msatsReceived ?? 0, 0, "a copied nutzap paid for nothing")
                let metrics = try await running.metrics()
                XCTAssertTrue(metrics.contains("ncn_cashu_impounded_msats_total 5000"), metrics)
            } catch {
                XCTFail("operator log:\n\(running.logText.suffix(5000))")
                throw error
            }
        }
    }
}
