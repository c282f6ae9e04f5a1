import ComputeAPI
import Foundation
import KubeClient
import Logging
import Operator
import Synchronization
import XCTest

/// The lease controller against the real control plane: apiserver, scheduler and the
/// controller-manager's Job controller and garbage collector, with fake CPU and GPU nodes. It runs with the
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
        for lease in ["it-gpu-lease-\(suffix)", "it-greedy-\(suffix)", "it-done-\(suffix)", "it-crash-\(suffix)", "it-foreign-\(suffix)",
                      "it-deadline-\(suffix)"] {
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

    /// What billing does when a tranche is paid (the first one: 600 s unless `until` says otherwise).
    private func markPaid(_ admin: KubernetesClient, _ name: String, until: Date? = nil) async throws {
        // The operator writes the same object (finalizer, status): retry on conflict, as billing will.
        for _ in 0..<10 {
            do {
                return try await markPaidOnce(admin, name, until: until)
            } catch let error as KubernetesError where error.isConflict {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try await markPaidOnce(admin, name, until: until)
    }

    private func markPaidOnce(_ admin: KubernetesClient, _ name: String, until: Date?) async throws {
        var current = try await admin.get(ComputeLease.self, name: name)
        let now = Date()
        var status = current.status ?? ComputeLeaseStatus()
        status.phase = status.phase ?? .provisioning
        status.paidUntil = Timestamp(until ?? now.addingTimeInterval(600))
        var conditions = status.conditions ?? []
        // Condition.set keeps the transition time of a condition whose status does not change: the first payment's.
        conditions.set(Condition(type: .paid, status: .true, reason: "TranchePaid", message: "tranche paid", lastTransitionTime: Timestamp(now)))
        status.conditions = conditions
        current.status = status
        _ = try await admin.replaceStatus(current)
    }

    /// Issue 13: with the operator down, a paid tranche buys that tranche (plus grace and
    /// `WorkloadDeadline.margin`), not the whole duration. The Job's deadline follows each payment
    /// while the operator runs, and is re-armed after the Job controller's earlier wake-up; with
    /// the operator stopped, the real Job controller ends the unpaid workload on its own; the
    /// operator, back, ends the lease for the lapse of payment. About 2.5 minutes: the margin is 60 s.
    func testTheJobsDeadlineFollowsPaymentsAndStopsAnUnpaidWorkloadWithoutTheOperator() async throws {
        try await withOperatorClient(exerciseDeadline)
    }

    /// The provider in place, an admin client and one with the operator's rights, shut down after `body`.
    private func withOperatorClient(_ body: (_ admin: KubernetesClient, _ client: KubernetesClient) async throws -> Void) async throws {
        try await bed.withKubernetes { admin in
            try await ensureProvider(admin)
            let client = try await operatorClient(admin: admin)
            do {
                try await body(admin, client)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    /// Runs the lease controller as the operator while `body` runs, then stops it.
    private func withController(_ client: KubernetesClient, _ body: () async throws -> Void) async throws {
        let controller = LeaseController(client: client, finalRecords: sink, logger: Logger(label: "it.operator"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await controller.run() }
            defer { group.cancelAll() }
            try await body()
        }
    }

    private func exerciseDeadline(admin: KubernetesClient, client: KubernetesClient) async throws {
        let name = "it-deadline-\(suffix)"
        let namespace = LeaseWorkloadBuilder.namespaceName(forLease: name)
        var unpaid = lease(name, gpus: 0)
        unpaid.spec.graceSeconds = 2
        let grace = TimeInterval(unpaid.spec.graceSeconds)
        _ = try await admin.create(unpaid)
        // Whole seconds, as the apiserver keeps them. The second payment reaches past the first
        // deadline, so the operator, running, re-arms the raised deadline before it is stopped.
        let firstPaidUntil = Timestamp(Date().addingTimeInterval(5)).date
        let paidUntil = firstPaidUntil.addingTimeInterval(75)

        func job() async throws -> Job { try await admin.get(Job.self, name: LeaseObjectNames.job, namespace: namespace) }
        /// The Job's deadline as seconds from its start: what the Job controller enforces.
        func expected(_ job: Job, until: Date) throws -> Int64 {
            let start = try XCTUnwrap(job.status?.startTime.flatMap { Timestamp(rfc3339: $0)?.date })
            return Int64(until.addingTimeInterval(grace + WorkloadDeadline.margin).timeIntervalSince(start).rounded(.up))
        }
        func armed(_ job: Job) -> Int64? { job.metadata.annotations?["ncn.dev/armed-deadline-seconds"].flatMap { Int64($0) } }

        try await withController(client) {
            try await markPaid(admin, name, until: firstPaidUntil)
            let started = try await eventually("the Job to start with its deadline at paid-until + grace + margin") { () -> Job? in
                guard let job = try? await job(), job.status?.startTime != nil else { return nil }
                return try job.spec?.activeDeadlineSeconds == expected(job, until: firstPaidUntil) ? job : nil
            }
            XCTAssertEqual(started.spec?.backoffLimit, 0)
            XCTAssertEqual(started.spec?.template.spec?.restartPolicy, "Never")
            XCTAssertEqual(armed(started), started.spec?.activeDeadlineSeconds)
            let pod = try await eventually("the Job's pod") { try? await admin.leasePod(name) }
            XCTAssertNil(pod.metadata.deletionTimestamp)

            // A payment: paid-until moves 75 s, and the deadline with it at once. The Job controller
            // still holds only its wake-up for the first deadline, after which the operator re-arms.
            try await markPaid(admin, name, until: paidUntil)
            let moved = try await eventually("the Job's deadline to follow the payment") { () -> Job? in
                guard let job = try? await job() else { return nil }
                return try job.spec?.activeDeadlineSeconds == expected(job, until: paidUntil) ? job : nil
            }
            XCTAssertEqual(moved.spec?.activeDeadlineSeconds, started.spec?.activeDeadlineSeconds.map { $0 + 75 })
            XCTAssertEqual(moved.metadata.uid, started.metadata.uid, "the same Job: its Pod keeps running")
            XCTAssertEqual(armed(moved), started.spec?.activeDeadlineSeconds)
            let firstDeadline = firstPaidUntil.addingTimeInterval(grace + WorkloadDeadline.margin)
            let rearmed = try await eventually("the operator to re-arm the raised deadline after the first one's wake-up",
                                               timeout: .seconds(Int(firstDeadline.timeIntervalSinceNow) + 20)) { () -> Job? in
                guard let job = try? await job() else { return nil }
                return try armed(job) == expected(job, until: paidUntil) && job.spec?.activeDeadlineSeconds == armed(job) ? job : nil
            }
            XCTAssertNil(rearmed.status?.conditions?.first { $0.type == "Failed" }, "the first deadline's wake-up stopped nothing")
        }

        // The operator is down and no payment comes: the Job controller stops the workload at
        // paid-until + grace + margin, nothing earlier and not much later.
        let deadline = paidUntil.addingTimeInterval(grace + WorkloadDeadline.margin)
        let wait = deadline.timeIntervalSinceNow + 30
        print("waiting \(Int(wait)) s at most for the Job controller, with the operator stopped")
        let failed = try await eventually("the Job controller to stop the unpaid workload", timeout: .seconds(Int(wait)), every: .milliseconds(250)) { () -> Date? in
            let job = try? await job()
            let failed = job?.status?.conditions?.first { $0.type == "Failed" && $0.status == "True" }
            return failed?.reason == "DeadlineExceeded" ? Date() : nil
        }
        XCTAssertGreaterThanOrEqual(failed.timeIntervalSince(deadline), -1.5, "stopped before paid-until + grace + margin")
        XCTAssertLessThan(failed.timeIntervalSince(deadline), 15, "stopped long after paid-until + grace + margin")
        let stopping = try await eventually("the pod to be deleted") { () -> Bool? in
            let pod = try await admin.leasePod(name)
            return pod == nil || pod?.metadata.deletionTimestamp != nil ? true : nil
        }
        XCTAssertTrue(stopping)
        let waiting = try await admin.get(ComputeLease.self, name: name)
        XCTAssertFalse(waiting.status?.phase?.isTerminal ?? false, "nobody ended the lease itself: the operator is down")

        // The operator back: the lease ends for the lapse of payment, and is torn down.
        try await withController(client) {
            let record = try await eventually("the lapsed lease's final record", timeout: .seconds(30)) { () -> LeaseFinalRecord? in
                await admin.removeLeasePods(name)  // the kubelet's part on the fake node
                return sink.record(for: name)
            }
            XCTAssertEqual(record.phase, .expired)
            XCTAssertEqual(record.reason, .paymentLapsed)
            _ = try await eventually("the lease to be gone", timeout: .seconds(60)) { () -> Bool? in
                await admin.removeLeasePods(name)
                return (try? await admin.get(ComputeLease.self, name: name)) == nil ? true : nil
            }
        }
    }

    func testAPaidGPULeaseRunsOnTheRightNodeAndTearsDownCompletely() async throws {
        try await withOperatorClient(exercise)
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

                // The Job controller makes the pod; the real scheduler places it on the node with that GPU model.
                let pod = try await eventually("the pod to be bound") { () -> Pod? in
                    let pod = try? await admin.leasePod(gpuLease)
                    return pod?.spec?.nodeName == nil ? nil : pod
                }
                let podName = try XCTUnwrap(pod.metadata.name)
                XCTAssertEqual(pod.metadata.ownerReferences?.first?.kind, "Job")
                XCTAssertEqual(pod.metadata.labels?[LeaseLabels.component], LeaseLabels.workloadComponent)
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
                _ = try await admin.patch(Pod.self, name: podName, namespace: namespace,
                                          .merge(encoding: StatusPatch(status: started)), subresource: "status")
                let live = try await eventually("the lease to run") { () -> ComputeLease? in
                    let lease = try await admin.get(ComputeLease.self, name: gpuLease)
                    return lease.status?.phase == .running ? lease : nil
                }
                let endpoint = try XCTUnwrap(live.status?.endpoints?.first)
                XCTAssertEqual(endpoint.host, "127.0.0.1")
                XCTAssertTrue((30000...32767).contains(endpoint.port), "\(endpoint)")

                // A pod deleted by hand comes back (the Job controller makes another). (Grace period 0:
                // with no kubelet behind the fake node, nothing would confirm a graceful deletion.)
                try await admin.delete(Pod.self, name: podName, namespace: namespace, propagation: .background, gracePeriodSeconds: 0)
                _ = try await eventually("the pod to be recreated") { () -> Pod? in
                    let again = try? await admin.leasePod(gpuLease)
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

                // A confused deputy: a lease naming its own Secret's name in kube-system is refused
                // (the operator could not read it anyway), and the schema refuses any other name.
                let foreign = "it-foreign-\(suffix)"
                var foreignLease = lease(foreign, gpus: 0)
                foreignLease.spec.envSecretRef = SecretReference(name: "\(foreign)-env", namespace: "kube-system")
                _ = try await admin.create(foreignLease)
                try await markPaid(admin, foreign)
                let refused = try await eventually("the lease with a Secret in kube-system to be refused") { () -> ComputeLease? in
                    let lease = try await admin.get(ComputeLease.self, name: foreign)
                    return lease.status?.message?.contains("may only use its own") == true ? lease : nil
                }
                XCTAssertTrue(refused.status?.message?.contains("ncn-system/\(foreign)-env") == true, refused.status?.message ?? "")
                let foreignPod = try? await admin.leasePod(foreign)
                XCTAssertNil(foreignPod)
                var stranger = lease("it-stranger-\(suffix)", gpus: 0)
                stranger.spec.envSecretRef = SecretReference(name: "admin-token", namespace: "kube-system")
                do {
                    _ = try await admin.create(stranger)
                    XCTFail("the schema must refuse an envSecretRef that is not '<lease>-env'")
                } catch let error as KubernetesError {
                    XCTAssertEqual(error.statusCode, 422, "\(error)")
                }
                try await admin.delete(ComputeLease.self, name: foreign)

                // The workload's own end is the lease's end, handed over as a final record.
                for (name, phase) in [("it-done-\(suffix)", "Succeeded"), ("it-crash-\(suffix)", "Failed")] {
                    _ = try await admin.create(lease(name, gpus: 0))
                    try await markPaid(admin, name)
                    let space = LeaseWorkloadBuilder.namespaceName(forLease: name)
                    let pod = try await eventually("the \(name) pod") { try? await admin.leasePod(name) }
                    struct StatusPatch: Encodable { var status: PodStatus }
                    var ended = PodStatus(phase: phase)
                    ended.reason = phase == "Failed" ? "Error" : nil
                    _ = try await admin.patch(Pod.self, name: pod.metadata.name ?? "", namespace: space,
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
