import ArgumentParser
import ComputeAPI
import Foundation
import KubeClient
import Operator

/// What the operator's informer caches hold per lease, kind by kind: each lease's objects as the
/// apiserver would send them (server-set metadata included), decoded through the same Codable
/// types into the same `Store`s the lease controller reads, with the process's resident memory
/// measured before and after each kind. The reference is the encoded JSON itself.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Measure the informer caches' memory per lease, kind by kind, for N leases.",
        discussion: """
            Needs nothing running. scripts/bench scale measures the whole operator against the test bed;
            this says which cached kind its memory goes to, at sizes the test bed cannot hold:
              swift run -c release ncn-bench cache --leases 10000
            """)

    @Option(help: "How many leases (every one paid, with its Pod, Job and children).")
    var leases: Int = 10_000

    @Flag(inversion: .prefixedNo, help: "Trim each object as the operator's informers do (--no-trim: keep whole objects, as before they did).")
    var trim = true

    func run() throws {
        guard leases > 0 else { throw ValidationError("--leases must be positive") }
        let provider = ComputeProviderSpec(
            relays: ["wss://relay.example.com"], pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000),
            payments: PaymentSettings(lightning: LightningRail(backend: .lnbits)), serviceType: .nodePort,
            secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
        let samples = try (0..<leases).map { try ServedLease(index: $0, provider: provider) }
        let decoder = JSONDecoder()

        var rows: [(String, Int, Int)] = []
        var stores: [AnyObject] = []
        func measure<R: KubernetesResource>(_ kind: String, _: R.Type, _ cacheTrim: CacheTrim<R>, _ documents: (ServedLease) -> [Data]) throws {
            let store = Store<R>()
            var json = 0
            let before = heapInUse()
            var objects: [R] = []
            objects.reserveCapacity(leases)
            for sample in samples {
                for document in documents(sample) {
                    json += document.count
                    let object = try decoder.decode(R.self, from: document)
                    objects.append(trim ? cacheTrim(object) : object)
                }
            }
            store.apply(.restarted(objects))
            objects = []
            rows.append((kind, heapInUse() - before, json))
            stores.append(store)
        }
        // The caches of LeaseInformers, each with its trim. (The inventory's Pod cache, of every
        // pod in the cluster, is trimmed like the lease controller's.)
        try measure("ComputeLease", ComputeLease.self, CacheTrim("none") { _ in }) { [$0.lease] }
        try measure("Pod", Pod.self, .observedPod) { [$0.pod] }
        try measure("Job", Job.self, .observedJob) { [$0.job] }
        try measure("Namespace (metadata)", MetadataOnly<Namespace>.self, .identity) { [$0.namespace] }
        try measure("Service (metadata)", MetadataOnly<Service>.self, .identity) { [$0.service] }
        try measure("NetworkPolicy (metadata)", MetadataOnly<NetworkPolicy>.self, .identity) { $0.networkPolicies }
        try measure("ResourceQuota (metadata)", MetadataOnly<ResourceQuota>.self, .identity) { [$0.resourceQuota] }
        try measure("LimitRange (metadata)", MetadataOnly<LimitRange>.self, .identity) { [$0.limitRange] }

        withExtendedLifetime(stores) {}
        func column(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        print("\(leases) leases, \(trim ? "trimmed as the operator caches them" : "whole objects")")
        print("kind".padding(toLength: 26, withPad: " ", startingAt: 0) + column("cached MB", 11) + column("bytes/lease", 13)
            + column("JSON bytes/lease", 18))
        for (kind, heap, json) in rows + [("total", rows.map(\.1).reduce(0, +), rows.map(\.2).reduce(0, +))] {
            print(kind.padding(toLength: 26, withPad: " ", startingAt: 0) + column(String(format: "%.1f", Double(heap) / 1_048_576), 11)
                + column("\(heap / leases)", 13) + column("\(json / leases)", 18))
        }
    }

    /// Resident memory once glibc has handed its free pages back, so what the temporaries of a
    /// decode left free is not counted, nor reused unseen by the next kind.
    private func heapInUse() -> Int {
        _ = releaseFreeMemory(0)
        return Int(ProcessSampler(pid: getpid()).rssBytes() ?? 0)
    }
}

/// glibc's `malloc_trim` (not in the Glibc module's headers).
@_silgen_name("malloc_trim")
private func releaseFreeMemory(_ pad: Int) -> Int32

/// One paid, running lease's objects as JSON, the way a list or watch brings them.
private struct ServedLease {
    var lease: Data
    var pod: Data
    var job: Data
    var namespace: Data
    var service: Data
    var networkPolicies: [Data]
    var resourceQuota: Data
    var limitRange: Data

    init(index: Int, provider: ComputeProviderSpec) throws {
        let name = "lease-\(String(format: "%06d", index))-\(String(index * 7919 % 1_000_003, radix: 36))"
        let created = Timestamp(Date(timeIntervalSince1970: 1_796_000_000 + Double(index)))
        var lease = ComputeLease(name: name, spec: ComputeLeaseSpec(
            tenantPubkey: Self.hex(), requestEventId: Self.hex(),
            relays: ["wss://relay.example.com", "wss://nos.example.org"], image: "ghcr.io/example/worker:1.4.2",
            command: ["python", "-m", "worker"], resources: LeaseResources(cpu: "2", memory: "4Gi"),
            ports: [LeasePort(port: 8080, name: "http")], durationSeconds: 86_400, pricePerIntervalMsats: 120_000,
            intervalSeconds: 3_600, graceSeconds: 120, paymentRail: .lightning))
        lease.metadata.uid = UUID().uuidString.lowercased()
        lease.status = ComputeLeaseStatus(
            phase: .running,
            conditions: [
                Condition(type: .paid, status: .true, reason: "TranchePaid", message: "tranche 3 paid", lastTransitionTime: created),
                Condition(type: .scheduled, status: .true, reason: "Scheduled", message: "on node-\(index % 12)", lastTransitionTime: created),
                Condition(type: .ready, status: .true, reason: "Running", message: "the workload is running", lastTransitionTime: created),
            ],
            paidUntil: created, endpoints: [LeaseEndpoint(name: "http", host: "203.0.113.\(index % 250)", port: 30_000 + index % 2_000)],
            node: "node-\(index % 12)", namespace: "ncn-lease-\(name)", observedGeneration: 1,
            ledger: Self.ledger(index, at: created), message: "The workload is running.")
        let workload = try LeaseWorkloadBuilder.build(lease: lease, provider: provider, envSecretData: nil, nodeAddresses: ["203.0.113.1"])
        var pod = Pod(metadata: workload.job.spec?.template.metadata ?? ObjectMeta(), spec: workload.job.spec?.template.spec)
        pod.metadata.name = "workload-\(Self.hex().prefix(5))"
        pod.metadata.namespace = workload.namespace.metadata.name
        pod.spec?.nodeName = "node-\(index % 12)"

        func served(_ object: some Encodable, owner: String? = nil) throws -> Data {
            var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(object)) as? [String: Any] ?? [:]
            var metadata = json["metadata"] as? [String: Any] ?? [:]
            if metadata["uid"] == nil { metadata["uid"] = UUID().uuidString.lowercased() }
            metadata["resourceVersion"] = String(1_000_000 + index)
            metadata["creationTimestamp"] = created.description
            metadata["generation"] = 1
            metadata["managedFields"] = [["manager": "ncn-operator", "operation": "Apply", "apiVersion": "v1",
                                          "time": created.description, "fieldsType": "FieldsV1",
                                          "fieldsV1": ["f:metadata": ["f:labels": ["f:ncn.dev/lease": [:]]], "f:spec": [:]]]]
            if let owner {
                metadata["ownerReferences"] = [["apiVersion": "batch/v1", "kind": "Job", "name": owner,
                                                "uid": UUID().uuidString.lowercased(), "controller": true, "blockOwnerDeletion": true]]
            }
            json["metadata"] = metadata
            return try JSONSerialization.data(withJSONObject: json)
        }
        self.lease = try served(lease)
        var podJSON = try JSONSerialization.jsonObject(with: try served(pod, owner: "workload")) as? [String: Any] ?? [:]
        podJSON["status"] = [
            "phase": "Running", "hostIP": "10.0.0.\(index % 12)", "podIP": "10.244.\(index / 250).\(index % 250)",
            "startTime": created.description, "qosClass": "Guaranteed",
            "conditions": ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map {
                ["type": $0, "status": "True", "lastProbeTime": NSNull(), "lastTransitionTime": created.description] as [String: Any]
            },
            "containerStatuses": [["name": "workload", "ready": true, "restartCount": 0, "started": true,
                                   "image": "ghcr.io/example/worker:1.4.2", "imageID": "ghcr.io/example/worker@sha256:" + Self.hex(),
                                   "containerID": "containerd://" + Self.hex(),
                                   "state": ["running": ["startedAt": created.description]]] as [String: Any]],
        ]
        self.pod = try JSONSerialization.data(withJSONObject: podJSON)
        var jobJSON = try JSONSerialization.jsonObject(with: try served(workload.job)) as? [String: Any] ?? [:]
        jobJSON["status"] = ["startTime": created.description, "active": 1]
        job = try JSONSerialization.data(withJSONObject: jobJSON)
        namespace = try served(workload.namespace)
        service = try served(workload.service)
        networkPolicies = try workload.networkPolicies.map { try served($0) }
        resourceQuota = try served(workload.resourceQuota)
        limitRange = try served(workload.limitRange)
    }

    /// Three tranches paid by Lightning, as billing keeps them.
    private static func ledger(_ index: Int, at time: Timestamp) -> LedgerSummary {
        let tranches = 1...3
        return LedgerSummary(
            tranchesPaid: 3, msatsReceived: 360_000, lastPaymentAt: time, state: .funded,
            invoices: tranches.map { tranche in
                LedgerInvoice(tranche: tranche, paymentHash: hex(),
                              bolt11: "lnbc1200n1p" + String((hex() + hex()
                                  + hex()).prefix(300)),
                              amountMsats: 120_000, issuedAt: time, expiresAt: time, state: .paid)
            },
            credits: tranches.map { _ in LedgerCredit(id: hex(), rail: .lightning, msats: 120_000, at: time) })
    }

    /// 64 hex digits, as ids, keys and hashes are; only their size matters here.
    private static func hex() -> String {
        (UUID().uuidString + UUID().uuidString).replacingOccurrences(of: "-", with: "").lowercased()
    }
}
