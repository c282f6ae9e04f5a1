import ComputeAPI
import Foundation
import KubeClient
import Logging
import Operator
import XCTest

/// A lease's quota that counts a pod which does not exist (quota admission reserved it for a create
/// whose client was killed mid-request; the quota controller only corrects that on its 5-minute
/// resync) must not keep the paid lease from starting: the Job controller cannot create the pod, and
/// the operator, seeing the Job without a pod and the quota full, rebuilds the quota. Likewise for
/// the lease's Service.
final class LeaseQuotaRecoveryTests: XCTestCase {
    private let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    private var kubectl: CRDKubectl!
    private var leaseName: String { "it-quota-\(suffix)" }
    private var node: String { "it-quota-\(suffix)" }

    override func tearDown() {
        _ = try? kubectl?.execute(["patch", "computelease", leaseName, "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#])
        _ = try? kubectl?.execute(["delete", "computelease", leaseName, "--ignore-not-found", "--wait=false"])
        _ = try? kubectl?.execute(["delete", "node", node, "--ignore-not-found", "--wait=false"])
        super.tearDown()
    }

    func testAQuotaCountingAPodThatDoesNotExistIsRebuiltAndThePodStarts() async throws {
        try await withStaleQuota(counting: ["pods"]) { admin in
            let pod = try await eventually("the pod to start despite the stale quota", timeout: .seconds(60)) { () -> Pod? in
                try? await admin.leasePod(leaseName)
            }
            XCTAssertNotNil(pod.metadata.uid)
        }
    }

    /// The same reservation left by a killed Service create: the Service apply is refused, and a
    /// lease with ports would never get its endpoints (seen in the kill loop).
    func testAQuotaCountingAServiceThatDoesNotExistIsRebuiltAndTheServiceIsMade() async throws {
        try await withStaleQuota(counting: ["services", "services.nodeports"]) { admin in
            let namespace = LeaseWorkloadBuilder.namespaceName(forLease: leaseName)
            let service = try await eventually("the Service despite the stale quota", timeout: .seconds(60)) { () -> Service? in
                try? await admin.get(Service.self, name: LeaseObjectNames.service, namespace: namespace)
            }
            XCTAssertEqual(service.spec?.type, "NodePort")
        }
    }

    /// A paid lease whose namespace and quota already exist, the quota counting every unit of
    /// `resources` as used, and the lease controller running as the operator's ServiceAccount.
    private func withStaleQuota(counting resources: [String], _ check: (KubernetesClient) async throws -> Void) async throws {
        let bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        try bed.testbed("node", node, "--cpu", "8", "--memory", "16Gi")
        try await bed.withKubernetes { admin in
            let providerSpec = ComputeProviderSpec(
                relays: ["ws://127.0.0.1:17001"], pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000),
                payments: PaymentSettings(lightning: LightningRail(backend: .lnbits)), serviceType: .nodePort,
                secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
            _ = try await admin.apply(ComputeProvider(spec: providerSpec), fieldManager: "it-quota-\(suffix)")
            let provider = try await admin.get(ComputeProvider.self, name: ComputeProvider.defaultName)
            let created = try await admin.create(ComputeLease(name: leaseName, spec: ComputeLeaseSpec(
                tenantPubkey: String(repeating: "c", count: 64), requestEventId: String(repeating: "7", count: 64),
                relays: ["ws://127.0.0.1:17001"], image: "busybox:1.36", command: ["sleep", "3600"],
                resources: LeaseResources(cpu: "250m", memory: "64Mi"), ports: [LeasePort(port: 8080, name: "http")],
                durationSeconds: 3600, pricePerIntervalMsats: 1_000, paymentRail: .lightning)))

            // The namespace and quota as the operator would make them, with the given units already "used".
            let workload = try LeaseWorkloadBuilder.build(lease: created, provider: provider.spec, envSecretData: nil)
            _ = try await admin.create(workload.namespace)
            _ = try await admin.create(workload.resourceQuota)
            var quota = try await eventually("the quota controller to count the empty namespace") { () -> ResourceQuota? in
                let quota = try await admin.get(ResourceQuota.self, name: LeaseObjectNames.resourceQuota, namespace: workload.namespace.metadata.name)
                return quota.status?.used == nil ? nil : quota
            }
            let hard = quota.status?.hard ?? [:]
            for resource in resources { quota.status?.used?[resource] = hard[resource] }
            _ = try await admin.replaceStatus(quota)

            var connection = admin.connection
            connection.credentials = .bearerToken(try await admin.serviceAccountToken("ncn-operator", namespace: "ncn-system"))
            let client = try KubernetesClient(connection: connection)
            let controller = LeaseController(client: client, finalRecords: LoggingFinalRecordSink(logger: Logger(label: "it.quota")),
                                             logger: Logger(label: "it.quota"))
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await controller.run() }
                    defer { group.cancelAll() }
                    try await markPaid(admin)
                    try await check(admin)
                }
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    private func markPaid(_ admin: KubernetesClient) async throws {
        for attempt in 1...20 {
            var lease = try await admin.get(ComputeLease.self, name: leaseName)
            var status = lease.status ?? ComputeLeaseStatus()
            status.paidUntil = Timestamp(Date().addingTimeInterval(600))
            status.conditions = [Condition(type: .paid, status: .true, reason: "TranchePaid", message: "paid", lastTransitionTime: Timestamp(Date()))]
            lease.status = status
            do {
                _ = try await admin.replaceStatus(lease)
                return
            } catch let error as KubernetesError where error.isConflict && attempt < 20 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
