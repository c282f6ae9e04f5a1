import Foundation
import KubeClient
@testable import Operator
import XCTest

final class InventorySnapshotTests: XCTestCase {
    private typealias F = InventoryFixtures
    private let gib = InventoryFixtures.gib

    private func snapshot(_ nodes: [Node], _ pods: [Pod] = [], _ configuration: InventoryConfiguration = .init()) -> InventorySnapshot {
        InventorySnapshot(nodes: nodes, pods: pods, configuration: configuration)
    }

    // MARK: Per node

    func testFreeIsAllocatableMinusRequestsOfBoundUnfinishedPods() throws {
        let inventory = snapshot([F.node("cpu-1", cpu: "8", memory: "32Gi")], [
            F.pod("a", on: "cpu-1", cpu: "1", memory: "4Gi", phase: "Running"),
            F.pod("b", on: "cpu-1", cpu: "500m", memory: "1Gi", phase: "Pending"),
            F.pod("c", on: "cpu-1", cpu: "250m", memory: "1Gi", phase: "Unknown"),
            F.pod("d", on: "cpu-1", cpu: "250m", memory: "1Gi", phase: nil),
        ])
        let node = try XCTUnwrap(inventory[node: "cpu-1"])
        XCTAssertEqual(node.allocatable, ResourceAmounts(cpuMillis: 8000, memoryBytes: 32 * gib, pods: 110))
        XCTAssertEqual(node.requested, ResourceAmounts(cpuMillis: 2000, memoryBytes: 7 * gib, pods: 4))
        XCTAssertEqual(node.reserved, .zero)
        XCTAssertEqual(node.free, ResourceAmounts(cpuMillis: 6000, memoryBytes: 25 * gib, pods: 106))
        XCTAssertTrue(node.isSchedulable)
        XCTAssertNil(node.gpuModel)
    }

    func testFinishedUnboundAndStrayPodsHoldNothing() throws {
        let inventory = snapshot([F.node("n")], [
            F.pod("done", on: "n", cpu: "1", memory: "1Gi", phase: "Succeeded"),
            F.pod("failed", on: "n", cpu: "1", memory: "1Gi", phase: "Failed"),
            F.pod("unbound", on: nil, cpu: "1", memory: "1Gi", phase: "Pending"),
            F.pod("empty-node-name", on: "", cpu: "1", memory: "1Gi", phase: "Pending"),
            F.pod("elsewhere", on: "gone", cpu: "1", memory: "1Gi"),
        ])
        XCTAssertEqual(inventory[node: "n"]?.requested, .zero)
        XCTAssertEqual(inventory.nodes.map(\.name), ["n"])
    }

    func testFreeNeverGoesNegativeOnAnOvercommittedNode() throws {
        let inventory = snapshot([F.node("n", cpu: "1", memory: "1Gi", pods: "1")], [
            F.pod("a", on: "n", cpu: "2", memory: "2Gi"), F.pod("b", on: "n", cpu: "1", memory: "1Gi"),
        ])
        let node = try XCTUnwrap(inventory[node: "n"])
        XCTAssertEqual(node.requested, ResourceAmounts(cpuMillis: 3000, memoryBytes: 3 * gib, pods: 2))
        XCTAssertEqual(node.free, .zero)
    }

    func testGPUModelComesFromTheConfiguredLabel() throws {
        let nodes = [
            F.gpuNode("default-label", gpus: "4", model: "H100"),
            F.node("custom-label", gpus: "2", labels: ["example.com/gpu-model": "L4"]),
            F.node("empty-label", gpus: "1", labels: ["nvidia.com/gpu.product": ""]),
            F.node("no-label", gpus: "1"),
        ]
        let pods = [F.pod("p", on: "default-label", cpu: "1", memory: "1Gi", gpus: "1")]
        let byDefault = snapshot(nodes, pods)
        XCTAssertEqual(byDefault[node: "default-label"]?.gpuModel, "H100")
        XCTAssertEqual(byDefault[node: "default-label"]?.free.gpus, ["H100": 3])
        XCTAssertNil(byDefault[node: "custom-label"]?.gpuModel)
        XCTAssertNil(byDefault[node: "empty-label"]?.gpuModel, "an empty label names no model")
        XCTAssertEqual(byDefault.freeGPUsByModel, ["H100": 3, ResourceAmounts.unknownGPUModel: 4])

        let custom = snapshot(nodes, pods, InventoryConfiguration(gpuModelLabelKey: "example.com/gpu-model"))
        XCTAssertEqual(custom[node: "custom-label"]?.gpuModel, "L4")
        XCTAssertNil(custom[node: "default-label"]?.gpuModel)
        XCTAssertEqual(custom.freeGPUsByModel, ["L4": 2, "": 5])
    }

    // MARK: Exclusions

    func testCordonedAndNotReadyNodesAreExcluded() {
        let inventory = snapshot([
            F.node("cordoned", unschedulable: true),
            F.node("uncordoned", unschedulable: false),
            F.node("not-ready", ready: "False"),
            F.node("unknown", ready: "Unknown"),
            F.node("no-condition", ready: nil),
        ])
        XCTAssertEqual(inventory[node: "cordoned"]?.exclusions, [.cordoned])
        XCTAssertEqual(inventory[node: "uncordoned"]?.exclusions, [])
        XCTAssertEqual(inventory[node: "not-ready"]?.exclusions, [.notReady(status: "False")])
        XCTAssertEqual(inventory[node: "unknown"]?.exclusions, [.notReady(status: "Unknown")])
        XCTAssertEqual(inventory[node: "no-condition"]?.isSchedulable, true, "no Ready condition reported is not a failure")
    }

    func testTaintsExcludeUnlessTolerated() {
        let nodes = [
            F.node("no-schedule", taints: [.init(key: "dedicated", value: "db", effect: "NoSchedule")]),
            F.node("no-execute", taints: [.init(key: "node.kubernetes.io/unreachable", value: nil, effect: "NoExecute")]),
            F.node("prefer", taints: [.init(key: "dedicated", value: "db", effect: "PreferNoSchedule")]),
            F.node("gpu-tainted", gpus: "8", labels: ["nvidia.com/gpu.product": "H100"],
                   taints: [.init(key: "nvidia.com/gpu", value: "present", effect: "NoSchedule")]),
        ]
        let inventory = snapshot(nodes)
        XCTAssertEqual(inventory[node: "no-schedule"]?.exclusions, [.tainted(key: "dedicated", value: "db", effect: "NoSchedule")])
        XCTAssertEqual(inventory[node: "no-execute"]?.exclusions,
                       [.tainted(key: "node.kubernetes.io/unreachable", value: nil, effect: "NoExecute")])
        XCTAssertEqual(inventory[node: "prefer"]?.isSchedulable, true, "PreferNoSchedule does not keep pods off")
        XCTAssertEqual(inventory[node: "gpu-tainted"]?.isSchedulable, true, "our pods tolerate the GPU taint by default")

        let strict = snapshot(nodes, [], InventoryConfiguration(tolerations: []))
        XCTAssertEqual(strict[node: "gpu-tainted"]?.exclusions, [.tainted(key: "nvidia.com/gpu", value: "present", effect: "NoSchedule")])

        let tolerant = snapshot(nodes, [], InventoryConfiguration(tolerations: [
            Toleration(key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule"),
        ]))
        XCTAssertEqual(tolerant[node: "no-schedule"]?.isSchedulable, true)
        XCTAssertEqual(tolerant[node: "no-execute"]?.isSchedulable, false)
        XCTAssertEqual(tolerant[node: "gpu-tainted"]?.isSchedulable, false, "the configured list replaces the default")
    }

    func testEveryReasonIsListed() {
        let node = F.node("n", unschedulable: true, ready: "False", taints: [
            .init(key: "a", value: nil, effect: "NoSchedule"), .init(key: "b", value: "1", effect: "NoExecute"),
        ])
        let exclusions = snapshot([node])[node: "n"]?.exclusions ?? []
        XCTAssertEqual(exclusions, [
            .cordoned, .notReady(status: "False"), .tainted(key: "a", value: nil, effect: "NoSchedule"),
            .tainted(key: "b", value: "1", effect: "NoExecute"),
        ])
        XCTAssertEqual(exclusions.map(\.description), [
            "cordoned (spec.unschedulable)", "Ready condition is False", "taint a:NoSchedule is not tolerated",
            "taint b=1:NoExecute is not tolerated",
        ])
    }

    func testUnreadableQuantitiesExcludeTheNode() throws {
        let inventory = snapshot(
            [F.node("bad-node", cpu: "eight"), F.node("bad-pod")],
            [F.pod("p", on: "bad-pod", cpu: "1", memory: "lots"), F.pod("q", on: "bad-pod", cpu: "1", memory: "1Gi")])
        let badNode = try XCTUnwrap(inventory[node: "bad-node"])
        XCTAssertEqual(badNode.exclusions, [.unreadable(.invalidQuantity(resource: "cpu", value: "eight", context: "node bad-node allocatable"))])
        XCTAssertEqual(badNode.allocatable, .zero)
        let badPod = try XCTUnwrap(inventory[node: "bad-pod"])
        XCTAssertEqual(badPod.exclusions, [.unreadable(.invalidQuantity(resource: "memory", value: "lots", context: "pod tenant/p container main"))])
        XCTAssertEqual(badPod.requested, ResourceAmounts(cpuMillis: 1000, memoryBytes: gib, pods: 1), "the readable pods still count")
    }

    func testNodesWithoutNamesAreSkipped() {
        var nameless = F.node("x")
        nameless.metadata.name = nil
        XCTAssertEqual(snapshot([nameless]), .empty)
    }

    // MARK: Totals

    func testTotalsCoverSchedulableNodesOnly() {
        let inventory = snapshot([
            F.node("cpu", cpu: "8", memory: "32Gi"),
            F.gpuNode("gpu-a", gpus: "4", model: "A100", cpu: "32", memory: "128Gi"),
            F.gpuNode("gpu-b", gpus: "8", model: "A100", cpu: "64", memory: "256Gi"),
            F.gpuNode("gpu-h", gpus: "8", model: "H100", cpu: "64", memory: "256Gi"),
            F.node("cordoned", cpu: "100", memory: "1Ti", unschedulable: true),
        ], [
            F.pod("a", on: "gpu-a", cpu: "4", memory: "16Gi", gpus: "3"),
            F.pod("h", on: "gpu-h", cpu: "8", memory: "32Gi", gpus: "8"),
            F.pod("c", on: "cordoned", cpu: "1", memory: "1Gi"),
        ])
        let totals = inventory.totals
        XCTAssertEqual(totals.schedulableNodes, 4)
        XCTAssertEqual(totals.excludedNodes, 1)
        XCTAssertEqual(totals.allocatable, ResourceAmounts(
            cpuMillis: 168_000, memoryBytes: 672 * gib, gpus: ["A100": 12, "H100": 8], pods: 440))
        XCTAssertEqual(totals.requested, ResourceAmounts(cpuMillis: 12_000, memoryBytes: 48 * gib, gpus: ["A100": 3, "H100": 8], pods: 2))
        XCTAssertEqual(totals.reserved, .zero)
        XCTAssertEqual(totals.free, ResourceAmounts(cpuMillis: 156_000, memoryBytes: 624 * gib, gpus: ["A100": 9], pods: 438))
        XCTAssertEqual(inventory.freeGPUsByModel, ["A100": 9])
        XCTAssertEqual(inventory.freeGPUs(model: "A100"), 9)
        XCTAssertEqual(inventory.freeGPUs(model: "H100"), 0)
        XCTAssertEqual(inventory.freeGPUs(model: nil), 9)
        XCTAssertEqual(inventory.largestFreeGPUsOnOneNode, ["A100": 8], "a lease cannot span gpu-a's 1 and gpu-b's 8")
    }

    func testEmptyCluster() {
        XCTAssertEqual(snapshot([]), .empty)
        XCTAssertEqual(InventorySnapshot.empty.totals, InventoryTotals())
        XCTAssertEqual(InventorySnapshot.empty.freeGPUsByModel, [:])
        XCTAssertNil(InventorySnapshot.empty.canFit(cpu: "1m", memory: "1"))
    }

    func testNodesAreSortedByName() {
        XCTAssertEqual(snapshot([F.node("c"), F.node("a"), F.node("b")]).nodes.map(\.name), ["a", "b", "c"])
    }
}

final class InventoryTolerationTests: XCTestCase {
    private func taint(_ key: String, _ value: String?, _ effect: String) -> Node.Taint {
        InventoryFixtures.node("n", taints: [.init(key: key, value: value, effect: effect)]).spec!.taints![0]
    }

    func testKubernetesMatchingRules() {
        let gpu = taint("nvidia.com/gpu", "present", "NoSchedule")
        let cases: [(Toleration, Bool, String)] = [
            (Toleration(key: "nvidia.com/gpu", operator: "Exists", effect: nil), true, "Exists ignores the value"),
            (Toleration(key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule"), true, "same effect"),
            (Toleration(key: "nvidia.com/gpu", operator: "Exists", effect: "NoExecute"), false, "other effect"),
            (Toleration(key: "nvidia.com/gpu", operator: "Exists", effect: ""), true, "empty effect matches all"),
            (Toleration(key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: nil), true, "equal value"),
            (Toleration(key: "nvidia.com/gpu", operator: "Equal", value: "absent", effect: nil), false, "other value"),
            (Toleration(key: "nvidia.com/gpu", operator: nil, value: "present", effect: nil), true, "no operator means Equal"),
            (Toleration(key: "nvidia.com/gpu", operator: "Equal", value: nil, effect: nil), false, "missing value is empty"),
            (Toleration(key: "other", operator: "Exists", effect: nil), false, "other key"),
            (Toleration(key: nil, operator: "Exists", effect: nil), true, "empty key with Exists tolerates everything"),
            (Toleration(key: "", operator: "Exists", effect: "NoExecute"), false, "…of that effect"),
            (Toleration(key: "nvidia.com/gpu", operator: "Gt", value: "1", effect: nil), false, "unknown operator"),
        ]
        for (toleration, expected, why) in cases { XCTAssertEqual(toleration.tolerates(gpu), expected, why) }
        XCTAssertTrue(Toleration(key: "k", operator: "Equal", value: nil, effect: nil).tolerates(taint("k", nil, "NoSchedule")))
        XCTAssertTrue(Toleration(key: "k", operator: "Equal", value: "", effect: nil).tolerates(taint("k", nil, "NoSchedule")))
    }

    func testOnlyHardEffectsRepel() {
        XCTAssertTrue(taint("k", nil, "NoSchedule").repelsPods)
        XCTAssertTrue(taint("k", nil, "NoExecute").repelsPods)
        XCTAssertFalse(taint("k", nil, "PreferNoSchedule").repelsPods)
    }
}
