import ComputeAPI
import Foundation
import KubeClient
import Logging
import Operator
import Synchronization
import XCTest

/// The lease controller against the real control plane: apiserver, scheduler and the
/// controller-manager's garbage collector, with fake CPU and GPU nodes. It runs with the
/// token of the `ncn-operator` ServiceAccount, bound only to the ClusterRole in manifests/.
final class OperatorIntegrationTests: XCTestCase {
    /// Keeps the final records the controller hands over, as the Nostr bridge will receive them.
    final class RecordingSink: LeaseFinalRecordSink, Sendable {
        private let records = Mutex<[LeaseFinalRecord]>([])
        func publish(_ record: LeaseFinalRecord) async throws { records.withLock { $0.append(record) } }
        func record(for lease: String) -> LeaseFinalRecord? { records.withLock { $0.first { $0.leaseName == lease } } }
    }
    private let sink = RecordingSink()

    private var bed: TestBed!
    private var kubectl: CRDKubectl!
    private let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    private var gpuModel: String { "IT-GPU-\(suffix)".uppercased() }
    private var nodes: [String] = []

    override func setUp() async throws {
        bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        nodes = ["it-gpu-\(suffix)", "it-cpu-\(suffix)"]
        try bed.testbed("node", nodes[0], "--cpu", "16", "--memory", "64Gi", "--gpus", "4", "--gpu-model", gpuModel)
        try bed.testbed("node", nodes[1], "--cpu", "8", "--memory", "32Gi")
    }

    override func tearDown() {
        // After a failure the controller is gone: release our finalizer so nothing lingers.
        for lease in ["it-gpu-lease-\(suffix)", "it-greedy-\(suffix)", "it-done-\(suffix)", "it-crash-\(suffix)"] {
            _ = try? kubectl?.execute(["patch", "computelease", lease, "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#])
            _ = try? kubectl?.execute(["delete", "computelease", lease, "--ignore-not-found", "--wait=false"])
        }
        for node in nodes { _ = try? kubectl?.execute(["delete", "node", node, "--ignore-not-found", "--wait=false"]) }
        super.tearDown()
    }

    /// A client that authenticates as the operator's ServiceAccount, with only the manifests' rights.
    private func operatorClient(admin: KubernetesClient) async throws -> KubernetesClient {
        var connection = admin.connection
        connection.credentials = .bearerToken(try await admin.serviceAccountToken("ncn-operator", namespace: "ncn-system"))
        return try KubernetesClient(connection: connection)
    }

    private func ensureProvider(_ admin: KubernetesClient) async throws {
        let spec = ComputeProviderSpec(
            relays: ["ws://127.0.0.1:17001"],
            pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000, msatsPerGpuHour: [gpuModel: 2_500_000]),
            payments: PaymentSettings(lightning: LightningRail(backend: .lnbits)),
            gpuNodeLabelKey: "nvidia.com/gpu.product", serviceType: .nodePort,
            secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
        _ = try await admin.apply(ComputeProvider(spec: spec), fieldManager: "it-\(suffix)")  // a manager per test: see applyingAsOwnManager
    }

    private func lease(_ name: String, gpus: Int) -> ComputeLease {
        ComputeLease(name: name, spec: ComputeLeaseSpec(
            tenantPubkey: String(repeating: "c", count: 64), requestEventId: String(repeating: "d", count: 64),
            relays: ["ws://127.0.0.1:17001"], image: "busybox:1.36", command: ["sleep", "3600"],
            resources: LeaseResources(cpu: "1", memory: "1Gi", gpus: gpus, gpuModel: gpus > 0 ? gpuModel : nil),
            ports: [LeasePort(port: 8080, name: "http")], durationSeconds: 3600, pricePerIntervalMsats: 100_000,
            intervalSeconds: 600, graceSeconds: 60, paymentRail: .lightning))
    }

    /// What billing does when the first tranche is paid.
    private func markPaid(_ admin: KubernetesClient, _ name: String) async throws {
        // The operator writes the same object (finalizer, status): retry on conflict, as billing will.
        for _ in 0..<10 {
            do {
                return try await markPaidOnce(admin, name)
            } catch let error as KubernetesError where error.isConflict {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try await markPaidOnce(admin, name)
    }

    private func markPaidOnce(_ admin: KubernetesClient, _ name: String) async throws {
        var current = try await admin.get(ComputeLease.self, name: name)
        let now = Date()
        var status = current.status ?? ComputeLeaseStatus()
        status.phase = .provisioning
        status.paidUntil = Timestamp(now.addingTimeInterval(600))
        var conditions = status.conditions ?? []
        conditions.set(Condition(type: .paid, status: .true, reason: "TranchePaid", message: "first tranche paid", lastTransitionTime: Timestamp(now)))
        status.conditions = conditions
        current.status = status
        _ = try await admin.replaceStatus(current)
    }

    func testAPaidGPULeaseRunsOnTheRightNodeAndTearsDownCompletely() async throws {
        try await bed.withKubernetes { admin in
            try await ensureProvider(admin)
            let client = try await operatorClient(admin: admin)
            do {
                try await exercise(admin: admin, client: client)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    private func exercise(admin: KubernetesClient, client: KubernetesClient) async throws {
        // Least privilege: the operator may not read the cluster's Secrets wholesale.
        do {
            _ = try await client.list(Secret.self, namespace: "kube-system")
            XCTFail("the operator's ServiceAccount must not list Secrets")
        } catch let error as KubernetesError {
            XCTAssertTrue(error.isForbidden, "\(error)")
        }
        do {
            let controller = LeaseController(client: client, finalRecords: sink,
                                             logger: Logger(label: "it.operator"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await controller.run() }
                defer { group.cancelAll() }

                let gpuLease = "it-gpu-lease-\(suffix)"
                _ = try await admin.create(lease(gpuLease, gpus: 2))
                try await markPaid(admin, gpuLease)
                let namespace = LeaseWorkloadBuilder.namespaceName(forLease: gpuLease)

                // The real scheduler places the pod on the node with that GPU model.
                let pod = try await eventually("the pod to be bound") { () -> Pod? in
                    let pod = try? await admin.get(Pod.self, name: "workload", namespace: namespace)
                    return pod?.spec?.nodeName == nil ? nil : pod
                }
                XCTAssertEqual(pod.spec?.nodeName, nodes[0])
                XCTAssertEqual(pod.spec?.containers.first?.resources?.limits?["nvidia.com/gpu"], "2")
                let scheduled = try await eventually("the lease to report its node") { () -> ComputeLease? in
                    let lease = try await admin.get(ComputeLease.self, name: gpuLease)
                    return lease.status?.node == nil ? nil : lease
                }
                XCTAssertEqual(scheduled.status?.node, nodes[0])
                XCTAssertEqual(scheduled.status?.conditions?[.scheduled]?.status, .true)

                // Play the kubelet: the pod starts and is ready.
                struct StatusPatch: Encodable { var status: PodStatus }
                var started = PodStatus(phase: "Running")
                started.conditions = [.init(type: "Ready", status: "True"), .init(type: "PodScheduled", status: "True")]
                _ = try await admin.patch(Pod.self, name: "workload", namespace: namespace,
                                          .merge(encoding: StatusPatch(status: started)), subresource: "status")
                let live = try await eventually("the lease to run") { () -> ComputeLease? in
                    let lease = try await admin.get(ComputeLease.self, name: gpuLease)
                    return lease.status?.phase == .running ? lease : nil
                }
                let endpoint = try XCTUnwrap(live.status?.endpoints?.first)
                XCTAssertEqual(endpoint.host, "127.0.0.1")
                XCTAssertTrue((30000...32767).contains(endpoint.port), "\(endpoint)")

                // A pod deleted by hand comes back. (Grace period 0: with no kubelet behind the
                // fake node, nothing would confirm a graceful deletion.)
                try await admin.delete(Pod.self, name: "workload", namespace: namespace, propagation: .background, gracePeriodSeconds: 0)
                _ = try await eventually("the pod to be recreated") { () -> Pod? in
                    let again = try? await admin.get(Pod.self, name: "workload", namespace: namespace)
                    return again?.metadata.uid != pod.metadata.uid && again?.metadata.deletionTimestamp == nil ? again : nil
                }

                // The nodes' own addresses (127.0.0.1 for the fake nodes) are cut out of the lease's egress,
                // in a form the real apiserver accepts.
                let egress = try await admin.get(NetworkPolicy.self, name: LeaseObjectNames.egressPolicy, namespace: namespace)
                let egressJSON = String(decoding: try JSONEncoder().encode(egress.spec), as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
                XCTAssertTrue(egressJSON.contains("127.0.0.1/32"), egressJSON)

                // Other children deleted or edited by hand come back too.
                let policies = try await admin.list(NetworkPolicy.self, namespace: namespace).items.compactMap(\.metadata.name)
                XCTAssertFalse(policies.isEmpty)
                for policy in policies { try await admin.delete(NetworkPolicy.self, name: policy, namespace: namespace) }
                try await admin.delete(Service.self, name: "endpoints", namespace: namespace)
                struct QuotaPatch: Encodable { var spec: ResourceQuota.Spec }
                _ = try await admin.patch(ResourceQuota.self, name: "lease-quota", namespace: namespace,
                                          .merge(encoding: QuotaPatch(spec: .init(hard: ["requests.nvidia.com/gpu": "8"]))))
                _ = try await eventually("the deleted and edited children to be restored") { () -> Bool? in
                    let restored = try await admin.list(NetworkPolicy.self, namespace: namespace).items.compactMap(\.metadata.name)
                    let service = try? await admin.get(Service.self, name: "endpoints", namespace: namespace)
                    let quota = try await admin.get(ResourceQuota.self, name: "lease-quota", namespace: namespace)
                    let converged = Set(restored) == Set(policies) && service != nil && quota.spec?.hard?["requests.nvidia.com/gpu"] == "2"
                    return converged ? true : nil
                }

                // Too many GPUs: unschedulable, said in plain words.
                let greedy = "it-greedy-\(suffix)"
                _ = try await admin.create(lease(greedy, gpus: 16))
                try await markPaid(admin, greedy)
                let stuck = try await eventually("the unschedulable lease to say why") { () -> ComputeLease? in
                    let lease = try await admin.get(ComputeLease.self, name: greedy)
                    return lease.status?.conditions?[.scheduled]?.status == .false ? lease : nil
                }
                XCTAssertTrue(stuck.status?.message?.contains("nvidia.com/gpu") == true, stuck.status?.message ?? "")

                // The workload's own end is the lease's end, handed over as a final record.
                for (name, phase) in [("it-done-\(suffix)", "Succeeded"), ("it-crash-\(suffix)", "Failed")] {
                    _ = try await admin.create(lease(name, gpus: 0))
                    try await markPaid(admin, name)
                    let space = LeaseWorkloadBuilder.namespaceName(forLease: name)
                    _ = try await eventually("the \(name) pod") { try? await admin.get(Pod.self, name: "workload", namespace: space) }
                    struct StatusPatch: Encodable { var status: PodStatus }
                    var ended = PodStatus(phase: phase)
                    ended.reason = phase == "Failed" ? "Error" : nil
                    _ = try await admin.patch(Pod.self, name: "workload", namespace: space,
                                              .merge(encoding: StatusPatch(status: ended)), subresource: "status")
                }
                let done = try await eventually("the succeeded lease's final record") { sink.record(for: "it-done-\(suffix)") }
                XCTAssertEqual(done.phase, .succeeded)
                XCTAssertEqual(done.reason, .workloadExited)
                let crashed = try await eventually("the failed lease's final record") { sink.record(for: "it-crash-\(suffix)") }
                XCTAssertEqual(crashed.phase, .failed)
                XCTAssertEqual(crashed.message, "The workload failed (Error).")

                // Deleting leases removes their namespaces and everything in them, then the leases themselves.
                for name in [gpuLease, greedy] { try await admin.delete(ComputeLease.self, name: name) }
                _ = try await eventually("the leases and namespaces to be gone", timeout: .seconds(60)) { () -> Bool? in
                    // Play the kubelet: confirm the graceful deletion of pods on the fake nodes.
                    for space in [namespace, LeaseWorkloadBuilder.namespaceName(forLease: greedy)] {
                        for pod in (try? await admin.list(Pod.self, namespace: space).items) ?? [] where pod.metadata.deletionTimestamp != nil {
                            try? await admin.delete(Pod.self, name: pod.metadata.name ?? "", namespace: space, gracePeriodSeconds: 0)
                        }
                    }
                    let leases = try await admin.list(ComputeLease.self).items.compactMap(\.metadata.name)
                    let spaces = try await admin.list(Namespace.self).items.compactMap(\.metadata.name)
                    let gone = !leases.contains(gpuLease) && !leases.contains(greedy)
                        && !spaces.contains(namespace) && !spaces.contains(LeaseWorkloadBuilder.namespaceName(forLease: greedy))
                    return gone ? true : nil
                }
            }
        }
    }
}
