import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import Operator
import XCTest

/// What the market's end-to-end tests share: a provider (its Secret, its ComputeProvider and the
/// `ncn-operator` binary with its ServiceAccount's rights), a fake GPU node whose kubelet the test
/// plays, and the tenant's Lightning payments. Everything else is real: relays, apiserver and
/// scheduler, LNbits, the Cashu mint.
final class MarketBed {
    let bed: TestBed
    let kubectl: CRDKubectl
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    let providerKey = SecretKey.generate()
    let cashuKey = SecretKey.generate()
    var node: String { "it-e2e-\(suffix)" }
    var gpuModel: String { "IT-E2E-\(suffix)".uppercased() }
    var provider: String { providerKey.publicKey.hex }

    init() throws {
        bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        try bed.testbed("node", node, "--cpu", "8", "--memory", "32Gi", "--gpus", "2", "--gpu-model", gpuModel)
    }

    /// Removes every lease (finalizers and all), the node and the ComputeProvider.
    func tearDown() {
        let leases = (try? kubectl.execute(["get", "computeleases", "-o", "name"]))?.output ?? ""
        for lease in leases.split(separator: "\n") where lease.contains("lease-") {
            _ = try? kubectl.execute(["patch", String(lease), "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#])
            _ = try? kubectl.execute(["delete", String(lease), "--ignore-not-found", "--wait=false"])
        }
        _ = try? kubectl.execute(["delete", "node", node, "--ignore-not-found", "--wait=false"])
        // What a test set in the spec (categories, a scanner that is gone, blocklists) must not
        // reach the next test that applies only its own fields, nor the in-cluster operator.
        _ = try? kubectl.execute(["delete", "computeprovider", ComputeProvider.defaultName, "--ignore-not-found", "--wait=false"])
    }

    /// The provider's Secret and ComputeProvider (10 s intervals, 3 s grace, 5 s lead; `change`
    /// edits the spec; `operatorArguments` are added to the operator's), then `body` gets the admin client and a way to start the operator binary.
    func withProvider(
        _ change: (inout ComputeProviderSpec) throws -> Void = { _ in },
        operatorArguments: [String] = [],
        _ body: (KubernetesClient, () throws -> OperatorProcess) async throws -> Void
    ) async throws {
        try await bed.withKubernetes { admin in
            var secret = Secret(metadata: ObjectMeta(name: "ncn-provider", namespace: "ncn-system"))
            secret.stringData = [
                ComputeProvider.SecretKeys.nsec: providerKey.exportHex(),
                ComputeProvider.SecretKeys.lnbitsURL: try bed.require("NCN_LNBITS_URL"),
                ComputeProvider.SecretKeys.lnbitsInvoiceKey: try bed.require("NCN_LNBITS_PROVIDER_INKEY"),
                ComputeProvider.SecretKeys.cashuP2PKKey: cashuKey.exportHex(),
            ]
            _ = try await admin.apply(secret, fieldManager: "it-e2e-\(suffix)")
            var spec = ComputeProviderSpec(
                // The relay that skips signature checks too, so forged requests reach the operator.
                relays: [try bed.require("NCN_RELAY_SDK_URL"), try bed.require("NCN_RELAY_PY_URL"), try bed.require("NCN_RELAY_NOVERIFY_URL")],
                pricing: Pricing(msatsPerCpuHour: 360_000, msatsPerGiBHour: 36_000, msatsPerGpuHour: [gpuModel: 3_600_000]),
                billing: BillingSettings(intervalSeconds: 10, graceSeconds: 3, invoiceLeadSeconds: 5),
                payments: PaymentSettings(lightning: LightningRail(backend: .lnbits), cashu: CashuRail(mints: [try bed.require("NCN_MINT_URL")])),
                secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
            try change(&spec)
            // Applied afresh: server-side apply keeps list items other tests' managers set (their
            // relays), and a relay that is not running slows every publish.
            try? await admin.delete(ComputeProvider.self, name: ComputeProvider.defaultName)
            _ = try await eventually("the old ComputeProvider to be gone", timeout: .seconds(10)) { () -> Bool? in
                (try? await admin.get(ComputeProvider.self, name: ComputeProvider.defaultName)) == nil ? true : nil
            }
            _ = try await admin.apply(ComputeProvider(spec: spec), fieldManager: "it-e2e-\(suffix)")
            let kubeconfig = try await admin.operatorKubeconfig()
            let arguments = OperatorProcess.standaloneArguments(kubeconfig: kubeconfig, ["--payment-poll-interval", "300ms", "--bid-lifetime", "60s"] + operatorArguments)
            try await body(admin) { try OperatorProcess(arguments: arguments, podName: "it-e2e-\(UUID().uuidString.prefix(8))") }
        }
    }

    /// The kubelet's part for the fake node: the pod runs and is ready.
    func playKubelet(_ admin: KubernetesClient, lease: String) async throws {
        let namespace = LeaseWorkloadBuilder.namespaceName(forLease: lease)
        let pod = try await eventually("the pod to be bound", timeout: .seconds(30)) { () -> Pod? in
            let pod = try? await admin.leasePod(lease)
            return pod?.spec?.nodeName == nil ? nil : pod
        }
        XCTAssertEqual(pod.spec?.nodeName, node)
        for attempt in 1...10 {
            var running = attempt == 1 ? pod : try await admin.get(Pod.self, name: pod.metadata.name ?? "", namespace: namespace)
            var status = running.status ?? PodStatus()
            status.phase = "Running"
            status.podIP = "10.1.0.9"
            status.conditions = [PodStatus.Condition(type: "Ready", status: "True"), PodStatus.Condition(type: "PodScheduled", status: "True")]
            running.status = status
            do {
                _ = try await admin.replaceStatus(running)
                return
            } catch let error as KubernetesError where error.isConflict && attempt < 10 {}
        }
    }

    /// The kubelet's part when a lease's namespace goes: its pod goes at once.
    static func removePod(_ admin: KubernetesClient, lease: String) async {
        await admin.removeLeasePods(lease)
    }

    /// The tenant pays a payment-required's bolt11 from its LNbits wallet.
    func pay(_ seen: TenantSeen) async throws {
        let bolt11 = try XCTUnwrap(seen.bolt11, "payment-required without a bolt11")
        let paid = try await bed.tenantPaysWithLNbits(bolt11)
        XCTAssertTrue((200..<300).contains(paid.status), paid.body)
    }
}

/// A test on a fresh `MarketBed`, torn down after it (leases, node, ComputeProvider); `step`
/// names where the test is, for a failure message.
class MarketBedTestCase: XCTestCase {
    var market: MarketBed!
    var step = "start"

    override func setUp() async throws {
        market = try MarketBed()
    }

    override func tearDown() {
        market?.tearDown()
        super.tearDown()
    }
}
