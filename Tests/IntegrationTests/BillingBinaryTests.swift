import AsyncHTTPClient
import ComputeAPI
import Foundation
import KubeClient
import NIOCore
import XCTest

/// Billing inside the `ncn-operator` executable, configured the way a provider configures it: the
/// LNbits credentials in the provider's Secret, nothing on the command line. The operator is
/// killed (SIGKILL) after a credit and restarted: nothing is credited twice and the next tranche
/// is invoiced once.
final class BillingBinaryTests: XCTestCase {
    private let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    private var leaseName: String { "it-billbin-\(suffix)" }
    private var kubectl: CRDKubectl!

    override func tearDown() {
        _ = try? kubectl?.execute(["patch", "computelease", leaseName, "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#])
        _ = try? kubectl?.execute(["delete", "computelease", leaseName, "--ignore-not-found", "--wait=false"])
        super.tearDown()
    }

    func testTheOperatorBillsFromItsSecretAndSurvivesAKillWithoutCreditingTwice() async throws {
        let bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        let lnbits = try bed.require("NCN_LNBITS_URL")
        let providerKey = try bed.require("NCN_LNBITS_PROVIDER_INKEY")

        try await bed.withKubernetes { admin in
            try await writeProviderSecret(admin, lnbitsURL: lnbits, invoiceKey: providerKey)
            let spec = ComputeProviderSpec(
                relays: ["ws://127.0.0.1:17001"], pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000),
                billing: BillingSettings(intervalSeconds: 20, graceSeconds: 5, invoiceLeadSeconds: 10),
                payments: PaymentSettings(lightning: LightningRail(backend: .lnbits)),
                secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
            _ = try await admin.apply(ComputeProvider(spec: spec), fieldManager: "it-billbin-\(suffix)")
            let kubeconfig = try await admin.operatorKubeconfig()
            let arguments = OperatorProcess.standaloneArguments(kubeconfig: kubeconfig, ["--payment-poll-interval", "300ms"])
            var running = try OperatorProcess(arguments: arguments, podName: "it-billbin-1")

            _ = try await admin.create(ComputeLease(name: leaseName, spec: ComputeLeaseSpec(
                tenantPubkey: String(repeating: "c", count: 64), requestEventId: String(repeating: "f", count: 64),
                relays: ["ws://127.0.0.1:17001"], image: "busybox:1.36", command: ["sleep", "3600"],
                // Too big for any node: the pod stays unscheduled, which is all billing needs.
                resources: LeaseResources(cpu: "900", memory: "64Mi"), durationSeconds: 3600,
                pricePerIntervalMsats: 21_000, intervalSeconds: 20, graceSeconds: 5, paymentRail: .lightning,
                bidExpiresAt: Timestamp(Date().addingTimeInterval(120)))))

            let first = try await openInvoice(admin, tranche: 0, log: running)
            // The PHASE column of `kubectl get computeleases` is never empty, an unpaid bid included.
            let unpaid = try await eventually("the unpaid lease's phase") { () -> ComputeLeaseStatus? in
                let status = try await admin.get(ComputeLease.self, name: leaseName).status
                return status?.phase == .awaitingPayment ? status : nil
            }
            XCTAssertTrue(unpaid.message?.hasPrefix("Bid made; waiting for the first payment until") ?? false, "\(unpaid)")
            XCTAssertEqual(unpaid.ledger?.invoices?.count, 1, "billing's ledger survives the reconciler's write, and the other way round")
            let firstPaid = try await bed.tenantPaysWithLNbits(first.bolt11)
            XCTAssertTrue((200..<300).contains(firstPaid.status), firstPaid.body)
            let credited = try await eventually("the first tranche to be credited", timeout: .seconds(30)) { () -> ComputeLease? in
                let lease = try await admin.get(ComputeLease.self, name: leaseName)
                return lease.status?.ledger?.tranchesPaid == 1 ? lease : nil
            }
            XCTAssertNotNil(credited.status?.paidUntil)

            // A crash, then a fresh process: it re-reads everything from the API.
            running.kill()
            running = try OperatorProcess(arguments: arguments, podName: "it-billbin-2")
            let second = try await openInvoice(admin, tranche: 1, log: running)
            let secondPaid = try await bed.tenantPaysWithLNbits(second.bolt11)
            XCTAssertTrue((200..<300).contains(secondPaid.status), secondPaid.body)
            let renewed = try await eventually("the renewal to be credited", timeout: .seconds(30)) { () -> ComputeLease? in
                let lease = try await admin.get(ComputeLease.self, name: leaseName)
                return lease.status?.ledger?.tranchesPaid == 2 ? lease : nil
            }
            let invoices = renewed.status?.ledger?.invoices ?? []
            XCTAssertEqual(invoices.filter { $0.tranche == 0 }.count, 1, "one invoice per tranche across the restart")
            XCTAssertEqual(invoices.filter { $0.tranche == 1 }.count, 1)
            XCTAssertEqual(renewed.status?.ledger?.msatsReceived, 42_000)
            XCTAssertEqual(renewed.status?.ledger?.credits?.count, 2)
            // The wallet key never reaches the operator's log or the lease's status.
            let status = String(decoding: try JSONEncoder().encode(renewed.status), as: UTF8.self)
            for (place, text) in [("log", running.logText), ("status", status)] {
                XCTAssertFalse(text.contains(providerKey), "the LNbits invoice key appears in the \(place)")
            }
            running.kill()
        }
    }

    /// Payments made 2 s before the bid expires and 2 s before grace ends, with billing's regular
    /// poll two minutes away: billing's own wake-up at the deadline and the lease controller's last
    /// look race to see them, and whichever comes first the lease goes on instead of ending with
    /// the tenant's money. The invoices themselves expire with the bid and with grace.
    func testPaymentsSecondsBeforeTheBidExpiresOrGraceEndsAreCreditedByALastLook() async throws {
        let bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        try await bed.withKubernetes { admin in
            try await writeProviderSecret(admin, lnbitsURL: try bed.require("NCN_LNBITS_URL"), invoiceKey: try bed.require("NCN_LNBITS_PROVIDER_INKEY"))
            let spec = ComputeProviderSpec(
                relays: ["ws://127.0.0.1:17001"], pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000),
                billing: BillingSettings(intervalSeconds: 20, graceSeconds: 6, invoiceLeadSeconds: 10),
                payments: PaymentSettings(lightning: LightningRail(backend: .lnbits)),
                secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
            _ = try await admin.apply(ComputeProvider(spec: spec), fieldManager: "it-billbin-\(suffix)")
            let kubeconfig = try await admin.operatorKubeconfig()
            let running = try OperatorProcess(arguments: OperatorProcess.standaloneArguments(kubeconfig: kubeconfig, ["--payment-poll-interval", "120s"]),
                                              podName: "it-billbin-last")
            defer { running.kill() }
            let bidExpiry = Date().addingTimeInterval(14)
            _ = try await admin.create(ComputeLease(name: leaseName, spec: ComputeLeaseSpec(
                tenantPubkey: String(repeating: "c", count: 64), requestEventId: String(repeating: "e", count: 64),
                relays: ["ws://127.0.0.1:17001"], image: "busybox:1.36", command: ["sleep", "3600"],
                resources: LeaseResources(cpu: "900", memory: "64Mi"), durationSeconds: 3600,
                pricePerIntervalMsats: 21_000, intervalSeconds: 20, graceSeconds: 6, paymentRail: .lightning,
                bidExpiresAt: Timestamp(bidExpiry))))

            let first = try await openInvoice(admin, tranche: 0, log: running)
            XCTAssertLessThanOrEqual(first.expiresAt.date.timeIntervalSince(bidExpiry), 1, "the invoice expires with the bid, not after")
            try await Task.sleep(for: .seconds(max(0, bidExpiry.timeIntervalSinceNow - 2)))
            let paid = try await bed.tenantPaysWithLNbits(first.bolt11)
            XCTAssertTrue((200..<300).contains(paid.status), paid.body)
            let credited = try await eventually("the payment 2 s before bid expiry to be credited", timeout: .seconds(15)) { () -> ComputeLease? in
                let lease = try await admin.get(ComputeLease.self, name: leaseName)
                XCTAssertNotEqual(lease.status?.phase, .expired, "ended with the tenant's payment in: \(running.logText.suffix(3000))")
                return lease.status?.ledger?.tranchesPaid == 1 ? lease : nil
            }
            let paidUntil = try XCTUnwrap(credited.status?.paidUntil?.date)

            let second = try await openInvoice(admin, tranche: 1, log: running)
            let graceEnds = paidUntil.addingTimeInterval(6)
            XCTAssertLessThanOrEqual(second.expiresAt.date.timeIntervalSince(graceEnds), 1, "the invoice expires when grace ends, not after")
            try await Task.sleep(for: .seconds(max(0, graceEnds.timeIntervalSinceNow - 2)))
            let renewal = try await bed.tenantPaysWithLNbits(second.bolt11)
            XCTAssertTrue((200..<300).contains(renewal.status), renewal.body)
            let renewed = try await eventually("the payment 2 s before grace ends to be credited", timeout: .seconds(15)) { () -> ComputeLease? in
                let lease = try await admin.get(ComputeLease.self, name: leaseName)
                XCTAssertNotEqual(lease.status?.phase, .expired, "ended with the tenant's payment in: \(running.logText.suffix(3000))")
                return lease.status?.ledger?.tranchesPaid == 2 ? lease : nil
            }
            XCTAssertEqual(renewed.status?.ledger?.msatsReceived, 42_000)
        }
    }

    private func openInvoice(_ admin: KubernetesClient, tranche: Int, log: OperatorProcess) async throws -> LedgerInvoice {
        do {
            return try await eventually("the invoice for tranche \(tranche)", timeout: .seconds(40)) { () -> LedgerInvoice? in
                let lease = try await admin.get(ComputeLease.self, name: leaseName)
                return lease.status?.ledger?.invoices?.first { $0.tranche == tranche && $0.state == .open }
            }
        } catch {
            XCTFail("operator log:\n\(log.logText.suffix(4000))")
            throw error
        }
    }

    private func writeProviderSecret(_ admin: KubernetesClient, lnbitsURL: String, invoiceKey: String) async throws {
        try await writeProviderSecret(admin, [
            ComputeProvider.SecretKeys.lnbitsURL: lnbitsURL, ComputeProvider.SecretKeys.lnbitsInvoiceKey: invoiceKey,
        ])
    }

    private func writeProviderSecret(_ admin: KubernetesClient, _ values: [String: String]) async throws {
        var secret = Secret(metadata: ObjectMeta(name: "ncn-provider", namespace: "ncn-system"))
        secret.stringData = values.merging([ComputeProvider.SecretKeys.nsec: String(repeating: "1", count: 64)]) { $1 }
        _ = try await admin.apply(secret, fieldManager: "it-billbin-\(values.keys.sorted().joined(separator: "-"))")
    }

    /// The provider's wallet over Nostr Wallet Connect (the test bed's NIP-47 service in front of
    /// LNbits); the tenant pays with nostr-sdk's own NWC client from its wallet.
    func testTheOperatorInvoicesThroughNWCAndSeesTheTenantsNWCPayment() async throws {
        let bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        let providerURI = try bed.require("NCN_NWC_PROVIDER_URI")
        let tenantURI = try bed.require("NCN_NWC_TENANT_URI")
        let python = try bed.require("NCN_PYTHON_NOSTR")

        try await bed.withKubernetes { admin in
            try await writeProviderSecret(admin, [ComputeProvider.SecretKeys.nwcURI: providerURI])
            let spec = ComputeProviderSpec(
                relays: ["ws://127.0.0.1:17001"], pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000),
                billing: BillingSettings(intervalSeconds: 600, graceSeconds: 60, invoiceLeadSeconds: 120),
                payments: PaymentSettings(lightning: LightningRail(backend: .nwc)),
                secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
            _ = try await admin.apply(ComputeProvider(spec: spec), fieldManager: "it-billnwc-\(suffix)")
            let kubeconfig = try await admin.operatorKubeconfig()
            let running = try OperatorProcess(arguments: OperatorProcess.standaloneArguments(kubeconfig: kubeconfig, ["--payment-poll-interval", "30s"]), podName: "it-billnwc")
            defer { running.kill() }

            _ = try await admin.create(ComputeLease(name: leaseName, spec: ComputeLeaseSpec(
                tenantPubkey: String(repeating: "c", count: 64), requestEventId: String(repeating: "9", count: 64),
                relays: ["ws://127.0.0.1:17001"], image: "busybox:1.36", command: ["sleep", "3600"],
                resources: LeaseResources(cpu: "900", memory: "64Mi"), durationSeconds: 3600,
                pricePerIntervalMsats: 5_000, paymentRail: .lightning, bidExpiresAt: Timestamp(Date().addingTimeInterval(300)))))
            let invoice = try await openInvoice(admin, tranche: 0, log: running)
            let output = try bed.run(python, [TestBed.packageRoot.appendingPathComponent("testbed/interop/nwc_pay.py").path, invoice.bolt11],
                                     environment: ["NWC_URI": tenantURI])
            XCTAssertTrue(output.contains("preimage"), output)
            // Polling is every 30 s here: a credit well before that came from the wallet's payment_received notification.
            let credited = try await eventually("the NWC payment to be credited", timeout: .seconds(20)) { () -> ComputeLease? in
                let lease = try await admin.get(ComputeLease.self, name: leaseName)
                return lease.status?.ledger?.tranchesPaid == 1 ? lease : nil
            }
            XCTAssertEqual(credited.status?.ledger?.credits?.first?.id, "ln:\(invoice.paymentHash)")
            XCTAssertNotNil(credited.status?.paidUntil)
        }
    }

    /// The default backend, LNbits, pushes each payment over its WebSocket: with polling every
    /// 30 s, a payment is credited in moments. A push forged by someone who knows the invoice key
    /// (LNbits lets anyone post to a WebSocket channel) is only a hint: billing looks the invoice
    /// up and credits nothing.
    func testLNbitsPushesAPaymentAndAForgedPushCreditsNothing() async throws {
        let bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        let lnbits = try bed.require("NCN_LNBITS_URL")
        let providerKey = try bed.require("NCN_LNBITS_PROVIDER_INKEY")

        try await bed.withKubernetes { admin in
            try await writeProviderSecret(admin, lnbitsURL: lnbits, invoiceKey: providerKey)
            let spec = ComputeProviderSpec(
                relays: ["ws://127.0.0.1:17001"], pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000),
                billing: BillingSettings(intervalSeconds: 600, graceSeconds: 60, invoiceLeadSeconds: 120),
                payments: PaymentSettings(lightning: LightningRail(backend: .lnbits)),
                secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
            _ = try await admin.apply(ComputeProvider(spec: spec), fieldManager: "it-billpush-\(suffix)")
            let kubeconfig = try await admin.operatorKubeconfig()
            let running = try OperatorProcess(arguments: OperatorProcess.standaloneArguments(kubeconfig: kubeconfig, ["--payment-poll-interval", "30s"]),
                                              podName: "it-billpush")
            defer { running.kill() }

            _ = try await admin.create(ComputeLease(name: leaseName, spec: ComputeLeaseSpec(
                tenantPubkey: String(repeating: "c", count: 64), requestEventId: String(repeating: "8", count: 64),
                relays: ["ws://127.0.0.1:17001"], image: "busybox:1.36", command: ["sleep", "3600"],
                resources: LeaseResources(cpu: "900", memory: "64Mi"), durationSeconds: 3600,
                pricePerIntervalMsats: 5_000, paymentRail: .lightning, bidExpiresAt: Timestamp(Date().addingTimeInterval(300)))))
            let invoice = try await openInvoice(admin, tranche: 0, log: running)
            // Billing's own passes after making the invoice are over; the next scheduled look is 30 s away.
            try await Task.sleep(for: .seconds(2))

            func hints() async throws -> Int {
                let line = try await running.metrics().split(separator: "\n").first { $0.hasPrefix("ncn_billing_payment_hints_total ") }
                return line.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
            }
            let before = try await hints()
            let forged = #"{"wallet_balance": 1, "payment": {"payment_hash": "\#(invoice.paymentHash)", "amount": 5000, "status": "success"}}"#
            var post = HTTPClientRequest(url: lnbits + "/api/v1/ws/\(providerKey)?data=" + (forged.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            post.method = .POST
            let forgedAnswer = try await HTTPClient.shared.execute(post, timeout: .seconds(10))
            XCTAssertEqual(forgedAnswer.status.code, 200, "LNbits relays a push posted to the wallet's channel")
            _ = try await eventually("the forged push to reach billing", timeout: .seconds(10)) { () -> Bool? in
                try await hints() > before ? true : nil
            }
            try await Task.sleep(for: .seconds(1))
            let notCredited = try await admin.get(ComputeLease.self, name: leaseName)
            XCTAssertEqual(notCredited.status?.ledger?.tranchesPaid ?? 0, 0, "a push is a hint; the lookup says unpaid")

            let paid = try await bed.tenantPaysWithLNbits(invoice.bolt11)
            XCTAssertTrue((200..<300).contains(paid.status), paid.body)
            let paidAt = Date()
            let credited = try await eventually("the pushed payment to be credited", timeout: .seconds(10), every: .milliseconds(50)) { () -> ComputeLease? in
                let lease = try await admin.get(ComputeLease.self, name: leaseName)
                return lease.status?.ledger?.tranchesPaid == 1 ? lease : nil
            }
            print("MEASURED LNbits payment → credited \(String(format: "%.3f", Date().timeIntervalSince(paidAt))) s with polling every 30 s")
            XCTAssertEqual(credited.status?.ledger?.credits?.first?.id, "ln:\(invoice.paymentHash)")
            XCTAssertLessThan(Date().timeIntervalSince(paidAt), 5, "well before the 30 s poll")
        }
    }
}
