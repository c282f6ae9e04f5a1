import AsyncHTTPClient
import Billing
import ComputeAPI
import Foundation
import KubeClient
import Logging
import NIOCore
import Operator
import XCTest

/// Streaming Lightning billing end to end on real parts: the operator's lease and billing
/// controllers (with the operator ServiceAccount's rights) against the real control plane, the
/// provider's LNbits wallet issuing one invoice per tranche, and the tenant's LNbits wallet
/// paying them. Short intervals (10 s) stand in for the default 10 minutes.
final class BillingIntegrationTests: XCTestCase {
    private var bed: TestBed!
    private var kubectl: CRDKubectl!
    private let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    private var leaseName: String { "it-billing-\(suffix)" }
    private var node: String { "it-billing-\(suffix)" }

    override func setUp() async throws {
        bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        try bed.testbed("node", node, "--cpu", "8", "--memory", "32Gi")
    }

    override func tearDown() {
        _ = try? kubectl?.execute(["patch", "computelease", leaseName, "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#])
        _ = try? kubectl?.execute(["delete", "computelease", leaseName, "--ignore-not-found", "--wait=false"])
        _ = try? kubectl?.execute(["delete", "node", node, "--ignore-not-found", "--wait=false"])
        super.tearDown()
    }

    private func ensureProvider(_ admin: KubernetesClient) async throws {
        let spec = ComputeProviderSpec(
            relays: ["ws://127.0.0.1:17001"], pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000),
            billing: BillingSettings(intervalSeconds: 10, graceSeconds: 3, invoiceLeadSeconds: 5),
            payments: PaymentSettings(lightning: LightningRail(backend: .lnbits)),
            secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
        _ = try await admin.apply(ComputeProvider(spec: spec), fieldManager: "it-billing-\(suffix)")
    }

    private func lease() -> ComputeLease {
        ComputeLease(name: leaseName, spec: ComputeLeaseSpec(
            tenantPubkey: String(repeating: "c", count: 64), requestEventId: String(repeating: "e", count: 64),
            relays: ["ws://127.0.0.1:17001"], image: "busybox:1.36", command: ["sleep", "3600"],
            resources: LeaseResources(cpu: "100m", memory: "64Mi"), durationSeconds: 3600,
            pricePerIntervalMsats: 10_000, intervalSeconds: 10, graceSeconds: 3, paymentRail: .lightning,
            bidExpiresAt: Timestamp(Date().addingTimeInterval(120))))
    }


    func testTranchesAreInvoicedPaidAndCreditedOnceAndAnUnpaidLeaseEndsWithinGrace() async throws {
        try await bed.withKubernetes { admin in
            try await ensureProvider(admin)
            var connection = admin.connection
            connection.credentials = .bearerToken(try await admin.serviceAccountToken("ncn-operator", namespace: "ncn-system"))
            let client = try KubernetesClient(connection: connection)
            let wallet = LNbitsWallet(baseURL: try bed.require("NCN_LNBITS_URL"), invoiceKey: try bed.require("NCN_LNBITS_PROVIDER_INKEY"))
            var billingOptions = BillingController.Options()
            billingOptions.pollInterval = .milliseconds(500)
            let billing = BillingController(client: client, wallets: FixedLightningWalletSource(wallet),
                                            notifier: LoggingBillingNotifier(logger: Logger(label: "it.billing")),
                                            options: billingOptions, logger: Logger(label: "it.billing"))
            let leases = LeaseController(client: client, finalRecords: LoggingFinalRecordSink(logger: Logger(label: "it.leases")),
                                         logger: Logger(label: "it.leases"))
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await leases.run() }
                    group.addTask { try await billing.run() }
                    defer { group.cancelAll() }
                    try await exercise(admin: admin, billing: billing)
                }
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    private func exercise(admin: KubernetesClient, billing: BillingController) async throws {
        _ = try await admin.create(lease())
        var firstInvoice: LedgerInvoice?
        for tranche in 0..<3 {
            let invoice = try await eventually("the invoice for tranche \(tranche)", timeout: .seconds(20)) { () -> LedgerInvoice? in
                let lease = try await admin.get(ComputeLease.self, name: leaseName)
                return lease.status?.ledger?.invoices?.first { $0.tranche == tranche && $0.state == .open }
            }
            let decoded = try Bolt11Invoice.decode(invoice.bolt11)
            XCTAssertEqual(decoded.paymentHash, invoice.paymentHash)
            XCTAssertEqual(decoded.amountMsats, 10_000)
            let paid = (200..<300).contains(try await bed.tenantPaysWithLNbits(invoice.bolt11).status)
            XCTAssertTrue(paid, "the tenant's wallet pays tranche \(tranche)")
            if tranche == 0 {
                firstInvoice = invoice
                let again = (200..<300).contains(try await bed.tenantPaysWithLNbits(invoice.bolt11).status)
                XCTAssertFalse(again, "LNbits refuses to pay the same invoice twice")
            }
            let credited = try await eventually("tranche \(tranche) to be credited", timeout: .seconds(20)) { () -> ComputeLease? in
                let lease = try await admin.get(ComputeLease.self, name: leaseName)
                return (lease.status?.ledger?.tranchesPaid ?? 0) > tranche ? lease : nil
            }
            XCTAssertEqual(credited.status?.ledger?.tranchesPaid, tranche + 1, "each payment credited exactly once")
        }
        // A replayed settlement (a second look-up, a repeated wallet notification) credits nothing.
        let invoice = try XCTUnwrap(firstInvoice)
        let terms = try BillingTerms(intervalSeconds: 10, graceSeconds: 3, invoiceLeadSeconds: 5, pricePerIntervalMsats: 10_000)
        let replay = LedgerCredit(id: "ln:\(invoice.paymentHash)", rail: .lightning, msats: 10_000, at: Timestamp(Date()))
        let replayed = try await billing.credit(replay, settlingInvoice: invoice.paymentHash, toLease: leaseName, terms: terms)
        XCTAssertFalse(replayed)

        let paid = try await admin.get(ComputeLease.self, name: leaseName)
        XCTAssertEqual(paid.status?.ledger?.tranchesPaid, 3)
        XCTAssertEqual(paid.status?.ledger?.msatsReceived, 30_000)
        XCTAssertEqual(paid.status?.conditions?[.paid]?.status, .true)
        let paidUntil = try XCTUnwrap(paid.status?.paidUntil?.date)

        // The tenant stops paying: the lease ends once paid-until plus grace has passed.
        let ended = try await eventually("the unpaid lease to end", timeout: .seconds(40), every: .milliseconds(100)) { () -> Date? in
            let lease = try? await admin.get(ComputeLease.self, name: leaseName)
            guard let lease else { return Date() }
            return lease.metadata.deletionTimestamp != nil || lease.status?.phase == .expired ? Date() : nil
        }
        let lateness = ended.timeIntervalSince(paidUntil.addingTimeInterval(3))
        XCTAssertLessThanOrEqual(lateness, 2, "ended \(lateness) s after paid-until plus grace")
        XCTAssertGreaterThanOrEqual(ended.timeIntervalSince(paidUntil), 3 - 0.5, "never before grace is over")

        // Play the kubelet for the fake node, so the namespace and then the lease can go.
        _ = try await eventually("the lease to be deleted", timeout: .seconds(60)) { () -> Bool? in
            await admin.removeLeasePods(leaseName)
            do {
                _ = try await admin.get(ComputeLease.self, name: leaseName)
                return nil
            } catch let error as KubernetesError where error.isNotFound {
                return true
            }
        }
        let recorded = try await admin.list(KubeClient.Event.self, namespace: "default").items.filter { $0.involvedObject.name == leaseName }
        let events = recorded.compactMap(\.reason)
        let credits = recorded.filter { $0.reason == "PaymentReceived" }.map { $0.count ?? 1 }.reduce(0, +)
        XCTAssertEqual(credits, 3, "one event per credit: \(events)")
        XCTAssertTrue(events.contains("InvoiceIssued"), "\(events)")
        XCTAssertTrue(events.contains("PaymentLapsed"), "\(events)")
    }
}
