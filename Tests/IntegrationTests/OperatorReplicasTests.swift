import ComputeAPI
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeClient
import Operator
import XCTest

/// Two replicas of the operator binary: only the leader reconciles; when it dies without
/// releasing its Lease, the standby takes over within the lease duration and carries on.
final class OperatorReplicasTests: XCTestCase {
    private let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    private var kubectl: CRDKubectl!

    override func tearDown() {
        for lease in ["it-rep-\(suffix)-a", "it-rep-\(suffix)-b"] {
            _ = try? kubectl?.execute(["patch", "computelease", lease, "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#])
            _ = try? kubectl?.execute(["delete", "computelease", lease, "--ignore-not-found", "--wait=false"])
        }
        super.tearDown()
    }

    private func readiness(_ port: Int) async -> String? {
        guard let url = URL(string: "http://127.0.0.1:\(port)/readyz"), let (data, _) = try? await URLSession.shared.data(from: url) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    private func lease(_ name: String) -> ComputeLease {
        ComputeLease(name: name, spec: ComputeLeaseSpec(
            tenantPubkey: String(repeating: "1", count: 64), requestEventId: String(repeating: "2", count: 64),
            relays: ["ws://127.0.0.1:17001"], image: "busybox:1.36", resources: LeaseResources(cpu: "250m", memory: "128Mi"),
            durationSeconds: 3600, pricePerIntervalMsats: 1000, paymentRail: .lightning))
    }

    func testOnlyTheLeaderActsAndAStandbyTakesOverWhenItDies() async throws {
        let bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        try bed.testbed("node", "it-rep-node-\(suffix)", "--cpu", "4", "--memory", "8Gi")
        defer { _ = try? kubectl.execute(["delete", "node", "it-rep-node-\(suffix)", "--ignore-not-found", "--wait=false"]) }
        try await bed.withKubernetes { admin in
            let provider = ComputeProviderSpec(
                relays: ["ws://127.0.0.1:17001"], pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000),
                payments: PaymentSettings(lightning: LightningRail(backend: .lnbits)), serviceType: .nodePort,
                secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
            _ = try await admin.apply(ComputeProvider(spec: provider), fieldManager: "it-\(suffix)")  // a manager per test: see applyingAsOwnManager
            let kubeconfig = try await admin.operatorKubeconfig()
            let ports = [Int.random(in: 40000...44999), Int.random(in: 45000...49999)]
            let replicas = try ports.map { port in
                try OperatorProcess(arguments: [
                    "--kubeconfig", kubeconfig, "--leader-elect=true", "--leader-election-namespace", "ncn-system",
                    "--leader-election-lease-duration", "3s", "--leader-election-renew-deadline", "2s", "--leader-election-retry-period", "500ms",
                    "--health-probe-bind-address", "127.0.0.1:\(port)", "--metrics-bind-address", "127.0.0.1:\(port)",
                ], podName: "it-replica-\(port)")
            }
            defer { replicas.forEach { $0.kill() } }

            // Exactly one leads; the other stands by (and is ready, as a standby should be).
            var states: [String] = []
            for _ in 0..<150 {
                states = await [readiness(ports[0]), readiness(ports[1])].map { $0 ?? "down" }
                if states.filter({ $0.hasPrefix("leading; caches synced") }).count == 1, states.contains(where: { $0.hasPrefix("standby") }) { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            let leader = try XCTUnwrap(states.firstIndex { $0.hasPrefix("leading; caches synced") }, "states: \(states)")
            let standby = 1 - leader
            XCTAssertTrue(states[standby].hasPrefix("standby"), "states: \(states)")

            func placed(_ name: String) async throws -> Bool {
                let current = try await admin.get(ComputeLease.self, name: name)
                return current.metadata.finalizers?.contains("ncn.dev/teardown") == true
            }
            _ = try await admin.create(lease("it-rep-\(suffix)-a"))
            var handled = false
            for _ in 0..<50 where !handled { handled = try await placed("it-rep-\(suffix)-a"); try await Task.sleep(for: .milliseconds(100)) }
            XCTAssertTrue(handled, "the leader never took the lease in hand")
            XCTAssertFalse(replicas[standby].logText.contains("caches synced; reconciling"), "the standby must not act")

            // The leader crashes without releasing its Lease; the standby must wait out the lease duration, then act.
            let killedAt = ContinuousClock.now
            replicas[leader].kill()
            var tookOver: Duration?
            for _ in 0..<100 {
                if let state = await readiness(ports[standby]), state.hasPrefix("leading") { tookOver = ContinuousClock.now - killedAt; break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let delay = try XCTUnwrap(tookOver, "the standby never took over; log:\n\(replicas[standby].logText.suffix(2000))")
            XCTAssertLessThan(delay, .seconds(8), "took over after \(delay)")
            _ = try await admin.create(lease("it-rep-\(suffix)-b"))
            handled = false
            for _ in 0..<100 where !handled { handled = try await placed("it-rep-\(suffix)-b"); try await Task.sleep(for: .milliseconds(100)) }
            XCTAssertTrue(handled, "the new leader never took the new lease in hand")
        }
    }
}
