@testable import Billing
import ComputeAPI
import Foundation
import KubeClient
import Logging
import NostrBridge
@testable import Operator
import Tenant
import XCTest

/// Escrowed tranches (draft §7.7) in the operator's billing, on real parts: the tenant's wallet
/// (the `ncn` code) locks each tranche at the real nutshell mint, the operator checks and holds
/// it in Secrets of the real apiserver, credits it as locked, refuses a lock it cannot rely on
/// and a tranche beyond its exposure, and swaps it when the tenant releases it or the arbitrator
/// decides; a crash between the swap and the ledger's release is finished by recovery, once.
final class CashuEscrowBillingTests: XCTestCase {
    private var bed: TestBed!
    private var kubectl: CRDKubectl!
    private let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    private var leaseName: String { "it-escrow-\(suffix)" }
    private let tenant = SecretKey.generate(), arbitrator = SecretKey.generate(), providerCashu = SecretKey.generate()
    private var folder: URL!

    override func setUp() async throws {
        bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-escrow-billing-\(suffix)")
    }

    override func tearDown() {
        _ = try? kubectl?.execute(["patch", "computelease", leaseName, "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#])
        _ = try? kubectl?.execute(["delete", "computelease", leaseName, "--ignore-not-found", "--wait=false"])
        _ = try? kubectl?.execute(["delete", "computeprovider", ComputeProvider.defaultName, "--ignore-not-found", "--wait=false"])
        if let folder { try? FileManager.default.removeItem(at: folder) }
        super.tearDown()
    }

    private func startOperator(_ client: KubernetesClient) -> (BillingController, CashuPayments) {
        let logger = Logger(label: "it.cashu-escrow")
        let billing = BillingController(
            client: client, wallets: FixedLightningWalletSource(LNbitsWallet(baseURL: "http://127.0.0.1:1", invoiceKey: "unused")),
            notifier: LoggingBillingNotifier(logger: logger), logger: logger)
        return (billing, CashuPayments(client: client, billing: billing, vault: SecretEcashVault(client: client, namespace: "ncn-system"), logger: logger))
    }

    func testEscrowedTranchesAreHeldLockedReleasedAndSwappedOnceWithinTheExposure() async throws {
        let mint = try bed.require("NCN_MINT_URL")
        let source = try CashuTestWallet(bed: bed)
        defer { source.remove() }
        try source.fund(100)
        let wallet = CashuWallet(paths: TenantPaths(directory: folder))
        _ = try await wallet.receive(try source.send(100))
        let now = Int64(Date().timeIntervalSince1970)
        let lock = CashuEscrowLock(provider: providerCashu.publicKey, tenant: tenant.publicKey, arbitrator: arbitrator.publicKey, locktime: now + 3 * 600 + 3600 + 600)
        func escrow(_ lock: CashuEscrowLock) async throws -> [CashuProof] {
            try await wallet.spend(10, mint: mint, unit: "sat", kind: .escrow, escrow: lock).outgoing
        }
        func token(_ proofs: [CashuProof]) throws -> String { try XCTUnwrap(CashuToken(mint: mint, unit: "sat", proofs: proofs).encodedV3()) }

        try await bed.withKubernetes { admin in
            var secret = Secret(metadata: ObjectMeta(name: "ncn-provider", namespace: "ncn-system"))
            secret.stringData = [ComputeProvider.SecretKeys.cashuP2PKKey: providerCashu.exportHex()]
            _ = try await admin.apply(secret, fieldManager: "it-escrow-\(suffix)")
            _ = try await admin.apply(ComputeProvider(spec: ComputeProviderSpec(
                relays: ["ws://127.0.0.1:17001"], pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000),
                payments: PaymentSettings(cashu: CashuRail(mints: [mint], escrow: EscrowSettings(
                    arbitrators: [arbitrator.publicKey.hex], disputeWindowSeconds: 3600, maxUnreleasedTranches: 2))),
                secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))), fieldManager: "it-escrow-\(suffix)")
            _ = try await admin.create(ComputeLease(name: leaseName, spec: ComputeLeaseSpec(
                tenantPubkey: tenant.publicKey.hex, requestEventId: String(repeating: "e", count: 64),
                relays: ["ws://127.0.0.1:17001"], image: "busybox:1.36", command: ["sleep", "3600"],
                resources: LeaseResources(cpu: "900", memory: "64Mi"), durationSeconds: 3000,
                pricePerIntervalMsats: 10_000, intervalSeconds: 600, graceSeconds: 60, paymentRail: .cashu,
                escrow: LeaseEscrow(arbitrator: arbitrator.publicKey.hex, disputeWindowSeconds: 3600))))
            var connection = admin.connection
            connection.credentials = .bearerToken(try await admin.serviceAccountToken("ncn-operator", namespace: "ncn-system"))
            let client = try KubernetesClient(connection: connection)
            defer { Task { try? await client.shutdown() } }

            var held: [[CashuProof]] = []
            let (billing, payments) = startOperator(client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await billing.run() }
                defer { group.cancelAll() }
                await billing.provider.store.waitUntilSynced()
                await billing.leases.waitUntilSynced()

                // Locks the operator cannot rely on: too early a locktime, another arbitrator.
                var early = lock
                early.locktime = now + 300
                var stranger = lock
                stranger.arbitrator = SecretKey.generate().publicKey
                for (bad, why) in [(early, "too early"), (stranger, "another tenant or arbitrator")] {
                    do {
                        _ = try await payments.pay(lease: leaseName, token: try token(try await escrow(bad)))
                        XCTFail("accepted a lock with \(why)")
                    } catch let error as CashuError { XCTAssertTrue("\(error)".contains(why), "\(error)") }
                }

                for _ in 0..<2 {
                    let proofs = try await escrow(lock)
                    let redemption = try await payments.pay(lease: leaseName, token: try token(proofs))
                    XCTAssertEqual(redemption.amountMsats, 10_000)
                    held.append(proofs)
                }
                var lease = try await admin.get(ComputeLease.self, name: leaseName)
                XCTAssertEqual(lease.status?.ledger?.tranchesPaid, 2, "escrowed tranches buy time")
                XCTAssertEqual(lease.status?.ledger?.escrowedMsats, 20_000, "locked, not yet earned")
                XCTAssertEqual(lease.status?.ledger?.escrow?.map(\.state), [.locked, .locked])
                let unspent = try await CashuMintClient(baseURL: mint).allUnspent(held.flatMap { $0 })
                XCTAssertTrue(unspent, "held, not swapped")

                // A third while two are locked: beyond the exposure; nothing is kept.
                let third = try await escrow(lock)
                do {
                    _ = try await payments.pay(lease: leaseName, token: try token(third))
                    XCTFail("a third locked tranche was accepted")
                } catch let error as CashuPaymentError { XCTAssertTrue("\(error)".contains("release the tranches"), "\(error)") }

                // The tenant releases tranche 0: swapped at once, earned.
                let released = try await payments.release(lease: leaseName, signatures: try CashuEscrowSignatures.sign(held[0], with: tenant))
                XCTAssertEqual(released, 10_000)
                lease = try await admin.get(ComputeLease.self, name: leaseName)
                XCTAssertEqual(lease.status?.ledger?.escrowedMsats, 10_000)
                XCTAssertEqual(lease.status?.ledger?.escrow?.map(\.state), [.released, .locked])
                let spent = try await CashuMintClient(baseURL: mint).allUnspent(held[0])
                XCTAssertFalse(spent, "the provider swapped tranche 0")

                // The arbitrator decides tranche 1 for the provider, and the operator dies right
                // after the swap: the mint signed, the ledger has not heard.
                _ = try await payments.redeemer().redeem(CashuToken(mint: mint, unit: "sat", proofs: held[1]), reference: leaseName,
                                                         cosignatures: try CashuEscrowSignatures.sign(held[1], with: arbitrator))
                held.append(third)
            }

            // Restarted twice: the first recovery finishes the release, the second finds nothing.
            for _ in 0..<2 {
                let (billing, payments) = startOperator(client)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await billing.run() }
                    defer { group.cancelAll() }
                    await billing.provider.store.waitUntilSynced()
                    await billing.leases.waitUntilSynced()
                    try await payments.recover()
                }
            }
            var lease = try await admin.get(ComputeLease.self, name: leaseName)
            XCTAssertNil(lease.status?.ledger?.escrowedMsats, "both earned")
            XCTAssertEqual(lease.status?.ledger?.escrow?.map(\.state), [.released, .released])
            XCTAssertEqual(lease.status?.ledger?.msatsReceived, 20_000, "a release is not a second payment")
            XCTAssertEqual(lease.status?.ledger?.tranchesPaid, 2)

            // Now the third fits.
            let (restarted, morePayments) = startOperator(client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await restarted.run() }
                defer { group.cancelAll() }
                await restarted.provider.store.waitUntilSynced()
                await restarted.leases.waitUntilSynced()
                _ = try await morePayments.pay(lease: leaseName, token: try token(held[2]))
            }
            lease = try await admin.get(ComputeLease.self, name: leaseName)
            XCTAssertEqual(lease.status?.ledger?.tranchesPaid, 3)
            XCTAssertEqual(lease.status?.ledger?.escrowedMsats, 10_000)
            let vault = SecretEcashVault(client: admin, namespace: "ncn-system")
            let mine = try await vault.records().filter { $0.reference == leaseName }
            XCTAssertEqual(mine.filter { $0.state == .escrowed }.count, 1, "one tranche held")
            XCTAssertEqual(mine.filter { $0.state == .received && $0.credited }.count, 2, "two swapped, none to credit again")
            let printed = try kubectl.execute(["get", "computelease", leaseName, "-o", "wide"]).output
            XCTAssertTrue(printed.contains("ESCROWED-MSATS") && printed.contains("10000"), printed)
        }
    }
}
