import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import Operator
import XCTest

/// Crash safety: the operator binary is SIGKILLed at random moments, 30 times, while leases are
/// created, paid, left unpaid and lapse. Once it runs undisturbed, every lease must converge:
/// paid ones placed, ended ones gone with their namespaces, and nothing stuck or orphaned.
final class OperatorKillLoopTests: XCTestCase {
    private let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    private var kubectl: CRDKubectl!
    private var node: String { "it-kill-node-\(suffix)" }
    private var names: [String] { (0..<6).map { "it-kill-\(suffix)-\($0)" } }

    override func tearDown() {
        for lease in names {
            _ = try? kubectl?.execute(["patch", "computelease", lease, "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#])
            _ = try? kubectl?.execute(["delete", "computelease", lease, "--ignore-not-found", "--wait=false"])
        }
        _ = try? kubectl?.execute(["delete", "node", node, "--ignore-not-found", "--wait=false"])
        super.tearDown()
    }

    private func lease(_ name: String, bidExpiresAt: Date? = nil) -> ComputeLease {
        ComputeLease(name: name, spec: ComputeLeaseSpec(
            tenantPubkey: String(repeating: "e", count: 64), requestEventId: String(repeating: "f", count: 64),
            relays: ["ws://127.0.0.1:17001"], image: "busybox:1.36", command: ["sleep", "3600"],
            resources: LeaseResources(cpu: "500m", memory: "256Mi"), ports: [LeasePort(port: 8080, name: "http")],
            durationSeconds: 3600, pricePerIntervalMsats: 1000, intervalSeconds: 600, graceSeconds: 60, paymentRail: .lightning,
            bidExpiresAt: bidExpiresAt.map(Timestamp.init)))
    }

    /// Billing's part: paid until `until`, retried on conflict with the operator's own writes.
    private func pay(_ admin: KubernetesClient, _ name: String, until: Date) async throws {
        for attempt in 0..<20 {
            do {
                var current = try await admin.get(ComputeLease.self, name: name)
                var status = current.status ?? ComputeLeaseStatus()
                status.paidUntil = Timestamp(until)
                var conditions = status.conditions ?? []
                conditions.set(Condition(type: .paid, status: .true, reason: "TranchePaid", message: "paid", lastTransitionTime: Timestamp(until.addingTimeInterval(-600))))
                status.conditions = conditions
                current.status = status
                _ = try await admin.replaceStatus(current)
                return
            } catch let error as KubernetesError where error.isConflict && attempt < 19 {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    func testEveryLeaseConvergesAfterThirtyCrashes() async throws {
        let bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        try bed.testbed("node", node, "--cpu", "16", "--memory", "64Gi")
        try await bed.withKubernetes { admin in
            let provider = ComputeProviderSpec(
                relays: ["ws://127.0.0.1:17001"], pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000),
                payments: PaymentSettings(lightning: LightningRail(backend: .lnbits)), serviceType: .nodePort,
                secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
            _ = try await admin.apply(ComputeProvider(spec: provider), fieldManager: "it-\(suffix)")  // a manager per test: see applyingAsOwnManager
            // Its Nostr key: an ended lease's last word to the tenant is published before the lease goes.
            var secret = Secret(metadata: ObjectMeta(name: "ncn-provider", namespace: "ncn-system"))
            secret.stringData = [ComputeProvider.SecretKeys.nsec: SecretKey.generate().exportHex()]
            _ = try await admin.apply(secret, fieldManager: "it-kill-\(suffix)")
            let kubeconfig = try await admin.operatorKubeconfig()
            func start(_ run: Int) throws -> OperatorProcess {
                let address = "127.0.0.1:\(OperatorProcess.freeLocalPort())"
                return try OperatorProcess(arguments: [
                    "--kubeconfig", kubeconfig, "--leader-elect=false",
                    "--health-probe-bind-address", address, "--metrics-bind-address", address,
                ], podName: "it-kill-\(run)")
            }

            let now = Date()
            for run in 0..<30 {
                let process = try start(run)
                // What happens to the leases while the operator comes and goes.
                switch run {
                case 0: for name in names.prefix(5) { _ = try await admin.create(lease(name)) }
                case 3: _ = try await admin.create(lease(names[5], bidExpiresAt: now.addingTimeInterval(8)))
                case 5: for name in names.prefix(3) { try await pay(admin, name, until: Date().addingTimeInterval(600)) }
                case 8: for name in names[3...4] { try await pay(admin, name, until: Date().addingTimeInterval(-120)) }
                default: break
                }
                try await Task.sleep(for: .milliseconds(Int64.random(in: 150...900)))
                process.kill()
            }

            let survivor = try start(99)
            defer { survivor.kill() }
            let deadline = ContinuousClock.now + .seconds(90)
            var state = ""
            while ContinuousClock.now < deadline {
                // Play the kubelet for pods whose namespaces are being deleted.
                for index in 3...5 {
                    let space = LeaseWorkloadBuilder.namespaceName(forLease: names[index])
                    for pod in (try? await admin.list(Pod.self, namespace: space).items) ?? [] where pod.metadata.deletionTimestamp != nil {
                        try? await admin.delete(Pod.self, name: pod.metadata.name ?? "", namespace: space, gracePeriodSeconds: 0)
                    }
                }
                let leases = Dictionary(uniqueKeysWithValues: try await admin.list(ComputeLease.self).items.map { ($0.metadata.name ?? "", $0) })
                let spaces = Set(try await admin.list(Namespace.self).items.compactMap(\.metadata.name))
                var placed = 0
                for name in names.prefix(3) {
                    let pod = try? await admin.leasePod(name)
                    // Any schedulable node will do (other tests' nodes may exist); lease and pod must agree.
                    if let placedOn = leases[name]?.status?.node, pod?.spec?.nodeName == placedOn { placed += 1 }
                }
                let ended = names[3...5].filter { leases[$0] == nil && !spaces.contains(LeaseWorkloadBuilder.namespaceName(forLease: $0)) }.count
                state = "placed \(placed)/3, ended and cleaned \(ended)/3"
                if placed == 3, ended == 3 { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            XCTAssertEqual(state, "placed 3/3, ended and cleaned 3/3", "after 30 crashes; survivor log:\n\(survivor.logText.suffix(3000))")

            // No orphans: every namespace of this test belongs to a live lease, and each live lease has one pod.
            let remaining = try await admin.list(Namespace.self).items.compactMap(\.metadata.name).filter { $0.contains("it-kill-\(suffix)") }
            XCTAssertEqual(Set(remaining), Set(names.prefix(3).map { LeaseWorkloadBuilder.namespaceName(forLease: $0) }))
            for name in names.prefix(3) {
                let pods = try await admin.list(Pod.self, namespace: LeaseWorkloadBuilder.namespaceName(forLease: name)).items
                XCTAssertEqual(pods.count, 1, "\(name) has \(pods.count) pods")
            }
        }
    }
}
