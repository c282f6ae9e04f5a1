import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
@testable import Operator
import Synchronization
import Tenant
import XCTest

/// `ncn logs` end to end without the operator binary: the provider's LogServer reading a real
/// container's log through the real apiserver and kubelet (the test bed's real node), chunks
/// through a real relay, and the tenant's LogReader printing them, across the ends of the
/// provider's follow window and a provider restart, every line once and in order. A stranger's
/// request for the same lease gets nothing. Skips when no real node is up
/// (`scripts/testbed up node`); `test_real_logs.py` runs the built `ncn logs` against the operator's image.
final class LogServingIntegrationTests: XCTestCase {
    func testTheTenantFollowsARealContainerAcrossWindowsAndAProviderRestart() async throws {
        let bed = try TestBed.load()
        let relay = try bed.require("NCN_RELAY_SDK_URL")
        guard let image = bed.values["NCN_IMAGE_PAUSE"] else { throw TestBed.missing("no test registry: scripts/testbed up node") }
        try await bed.withKubernetes { client in
            let real = try await client.list(Node.self, labelSelector: "ncn.testbed/real=true").items.filter { node in
                node.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false
            }
            guard !real.isEmpty else { throw TestBed.missing("no real node is Ready: scripts/testbed up node") }

            let tenant = SecretKey.generate(), provider = SecretKey.generate(), stranger = SecretKey.generate()
            let requestID = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            let leaseName = ComputeLease.name(forRequestEventId: requestID)
            let namespace = LeaseWorkloadBuilder.namespaceName(forLease: leaseName)
            _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace, labels: ["ncn-it": "logs"])))
            do {
                try await follow(client: client, relay: relay, image: image, namespace: namespace, leaseName: leaseName, requestID: requestID,
                                 tenant: tenant, provider: provider, stranger: stranger)
            } catch {
                try? await client.delete(Namespace.self, name: namespace)
                throw error
            }
            try await client.delete(Namespace.self, name: namespace)
        }
    }

    private func follow(client: KubernetesClient, relay: String, image: String, namespace: String, leaseName: String, requestID: String,
                        tenant: SecretKey, provider: SecretKey, stranger: SecretKey) async throws {
        // The lease's workload as the operator labels it: a container writing a numbered line every 0.1 s.
        var spec = PodSpec(containers: [Container(name: LeaseObjectNames.container, image: image)])
        spec.containers[0].command = ["sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo \"line $i\"; i=$((i+1)); sleep 0.1; done"]
        spec.restartPolicy = "Never"
        spec.nodeSelector = ["ncn.testbed/real": "true"]
        spec.automountServiceAccountToken = false
        var labels = LeaseLabels.workloadSelector(forLease: leaseName)
        labels["ncn-it"] = "logs"
        _ = try await client.create(Pod(metadata: ObjectMeta(name: "workload-it", namespace: namespace, labels: labels), spec: spec))
        _ = try await eventually("the container to run on the real node", timeout: .seconds(90)) { () -> Bool? in
            try await client.get(Pod.self, name: "workload-it", namespace: namespace).status?.phase == "Running" ? true : nil
        }

        var lease = ComputeLease(name: leaseName, spec: ComputeLeaseSpec(
            tenantPubkey: tenant.publicKey.hex, requestEventId: requestID, relays: [relay], image: image,
            resources: LeaseResources(cpu: "100m", memory: "64Mi"), durationSeconds: 600, pricePerIntervalMsats: 1_000, paymentRail: .lightning))
        lease.status = ComputeLeaseStatus(phase: .running)
        let leases = Store<ComputeLease>()
        leases.apply(.restarted([lease]))

        var limits = LogLimits()
        limits.window = 4  // several windows in one test
        limits.keepalive = 1
        limits.flushAfter = 0.2
        limits.requestsPerMinutePerLease = 60
        let providerPool = try RelayPool(relays: [relay])
        let tenantPool = try RelayPool(relays: [relay])
        let pools = Task { await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await providerPool.run() }
            group.addTask { try? await tenantPool.run() }
        } }
        defer { pools.cancel() }
        func startServer() -> Task<Void, Never> {
            let server = LogServer(client: client, leases: leases, key: provider, limits: limits) { event in
                await providerPool.publish(event, timeout: .seconds(5)).values.contains { $0.isSuccess }
            }
            return Task { await server.run(pool: providerPool) }
        }
        var server = startServer()
        defer { server.cancel() }
        try await Task.sleep(for: .seconds(1))

        // A stranger asking for the lease's logs gets no chunk at all.
        let strangerChunks = try tenantPool.subscribe([Filter(authors: [provider.publicKey.hex], kinds: [ComputeKinds.logChunk],
                                                              tags: ["p": [stranger.publicKey.hex]])])
        let asked = try ComputeLogRequest(requestID: requestID, provider: provider.publicKey.hex).sign(with: stranger)
        let outcomes = await tenantPool.publish(asked)
        XCTAssertTrue(outcomes.values.contains { $0.isSuccess })

        // The tenant follows.
        let printed = Collected(), notices = Collected()
        var options = LogReader.Options()
        options.follow = true
        options.silence = 3
        options.firstAnswer = 10
        let reader = Task {
            try await LogReader(key: tenant, pool: tenantPool).read(requestID, provider: provider.publicKey.hex, options: options,
                                                                   lines: { lines in printed.add(lines.map(\.text)) },
                                                                   notice: { text in notices.add([text]) })
        }
        defer { reader.cancel() }
        _ = try await eventually("40 lines", timeout: .seconds(30)) { printed.all.count >= 40 ? true : nil }
        // The provider restarts: its answers stop without a word; the tenant asks again from its cursor.
        server.cancel()
        try await Task.sleep(for: .seconds(2))
        let beforeRestart = printed.all.count
        server = startServer()
        _ = try await eventually("lines after the restart and two more windows", timeout: .seconds(40)) {
            printed.all.count >= beforeRestart + 100 ? true : nil
        }
        reader.cancel()

        let numbers = printed.all.map { Int($0.dropFirst("line ".count)) ?? -1 }
        XCTAssertFalse(numbers.contains(-1), "only the container's lines")
        XCTAssertEqual(numbers, Array(numbers[0]..<(numbers[0] + numbers.count)), "every line once, in order, across windows and the restart")
        XCTAssertEqual(numbers.first, 0, "a follow without a cursor starts at the beginning of the log")
        XCTAssertEqual(notices.all, [], "no chunk was lost")

        let quiet = Task {
            var got = 0
            for await item in strangerChunks { if case .event = item { got += 1 } }
            return got
        }
        try await Task.sleep(for: .seconds(1))
        quiet.cancel()
        let strangerGot = await quiet.value
        XCTAssertEqual(strangerGot, 0, "the stranger was not answered")
    }
}

private final class Collected: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ more: [String]) { lines.withLock { $0 += more } }
    var all: [String] { lines.withLock { $0 } }
}
