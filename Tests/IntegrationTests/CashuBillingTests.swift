@testable import Billing
import ComputeAPI
import Foundation
import KubeClient
import Logging
import NostrBridge
import Operator
import XCTest

/// Cashu payments to a lease on real parts: tokens made by the real nutshell wallet, swapped at
/// the real mint, kept in Secrets of the real apiserver, credited into the lease's status, all
/// with the operator ServiceAccount's rights.
final class CashuBillingTests: XCTestCase {
    private var bed: TestBed!
    private var kubectl: CRDKubectl!
    private let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    private var leaseName: String { "it-cashu-\(suffix)" }

    override func setUp() async throws {
        bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
    }

    override func tearDown() {
        _ = try? kubectl?.execute(["patch", "computelease", leaseName, "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#])
        _ = try? kubectl?.execute(["delete", "computelease", leaseName, "--ignore-not-found", "--wait=false"])
        super.tearDown()
    }

    /// Billing and Cashu payments as one operator process has them; a second call is a restart.
    private func startOperator(_ client: KubernetesClient) -> (BillingController, CashuPayments) {
        let logger = Logger(label: "it.cashu-billing")
        let billing = BillingController(
            client: client, wallets: FixedLightningWalletSource(LNbitsWallet(baseURL: "http://127.0.0.1:1", invoiceKey: "unused")),
            notifier: LoggingBillingNotifier(logger: logger), logger: logger)
        let payments = CashuPayments(client: client, billing: billing, vault: SecretEcashVault(client: client, namespace: "ncn-system"), logger: logger)
        return (billing, payments)
    }

    func testTokensAreSwappedStoredAndCreditedOnceEvenAcrossACrashBetweenSwapAndCredit() async throws {
        let wallet = try CashuTestWallet(bed: bed)
        defer { wallet.remove() }
        try wallet.fund(200)
        let mint = try bed.require("NCN_MINT_URL")

        try await bed.withKubernetes { admin in
            // The Cashu rail needs the provider's lock key in its Secret.
            var secret = Secret(metadata: ObjectMeta(name: "ncn-provider", namespace: "ncn-system"))
            secret.stringData = [ComputeProvider.SecretKeys.cashuP2PKKey: SecretKey.generate().exportHex()]
            _ = try await admin.apply(secret, fieldManager: "it-cashu-\(suffix)")
            let spec = ComputeProviderSpec(
                relays: ["ws://127.0.0.1:17001"], pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000),
                payments: PaymentSettings(cashu: CashuRail(mints: [mint])),
                secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
            _ = try await admin.apply(ComputeProvider(spec: spec), fieldManager: "it-cashu-\(suffix)")
            _ = try await admin.create(ComputeLease(name: leaseName, spec: ComputeLeaseSpec(
                tenantPubkey: String(repeating: "c", count: 64), requestEventId: String(repeating: "a", count: 64),
                relays: ["ws://127.0.0.1:17001"], image: "busybox:1.36", command: ["sleep", "3600"],
                resources: LeaseResources(cpu: "900", memory: "64Mi"), durationSeconds: 3600,
                pricePerIntervalMsats: 10_000, intervalSeconds: 600, graceSeconds: 60, paymentRail: .cashu)))
            var connection = admin.connection
            connection.credentials = .bearerToken(try await admin.serviceAccountToken("ncn-operator", namespace: "ncn-system"))
            let client = try KubernetesClient(connection: connection)
            do {
                try await exercise(admin: admin, client: client, wallet: wallet)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    private func exercise(admin: KubernetesClient, client: KubernetesClient, wallet: CashuTestWallet) async throws {
        do {

            // 25 sat at 10 sat per tranche: two tranches, 5 sat kept as balance.
            let (billing, payments) = startOperator(client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await billing.run() }
                defer { group.cancelAll() }
                await billing.provider.store.waitUntilSynced()
                let token = try wallet.send(25)
                let redemption = try await payments.pay(lease: leaseName, token: token)
                XCTAssertEqual(redemption.amountMsats, 25_000)
                var lease = try await admin.get(ComputeLease.self, name: leaseName)
                XCTAssertEqual(lease.status?.ledger?.tranchesPaid, 2)
                XCTAssertEqual(lease.status?.ledger?.balanceMsats, 5_000)
                XCTAssertEqual(lease.status?.ledger?.credits?.map(\.id), ["cashu:\(redemption.id)"])
                XCTAssertEqual(lease.status?.conditions?[.paid]?.status, .true)

                // The same token again: the mint says spent, nothing is credited.
                do {
                    try await payments.pay(lease: leaseName, token: token)
                    XCTFail("a spent token must be refused")
                } catch let error as CashuError {
                    XCTAssertTrue("\(error)".contains("already spent"), "\(error)")
                }

                // A crash between swap and credit: the swap and the vault write happen, the credit does not.
                let second = try await payments.redeemer().redeem(token: try wallet.send(10), reference: leaseName)
                let stored = try await admin.get(Secret.self, name: SecretEcashVault.secretName(id: second.id), namespace: "ncn-system")
                XCTAssertNotNil(stored.data?["record.json"], "the proofs are in the Secret before any credit")
                lease = try await admin.get(ComputeLease.self, name: leaseName)
                XCTAssertEqual(lease.status?.ledger?.tranchesPaid, 2)
            }

            // Restarted twice: the first recovery credits it, the second finds nothing to do.
            for _ in 0..<2 {
                let (billing, payments) = startOperator(client)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await billing.run() }
                    defer { group.cancelAll() }
                    await billing.provider.store.waitUntilSynced()
                    try await payments.recover()
                }
            }
            let lease = try await admin.get(ComputeLease.self, name: leaseName)
            XCTAssertEqual(lease.status?.ledger?.tranchesPaid, 3, "35 sat in all: three tranches, credited once")
            XCTAssertEqual(lease.status?.ledger?.msatsReceived, 35_000)
            XCTAssertEqual(lease.status?.ledger?.balanceMsats, 5_000)
            XCTAssertEqual(lease.status?.ledger?.credits?.count, 2)
        }
    }
}
