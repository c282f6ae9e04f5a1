import Foundation
import KubeClient
import Operator
import XCTest

/// The inventory against the real apiserver and scheduler, on two fake nodes of its own.
final class InventoryIntegrationTests: XCTestCase {
    private let gib: Int64 = 1 << 30

    func testFollowsWhatTheSchedulerBindsToFakeNodes() async throws {
        let bed = try TestBed.load()
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let cpuNode = "ncn-inv-cpu-\(suffix)"
        let gpuNode = "ncn-inv-gpu-\(suffix)"
        let model = "NCN-TEST-GPU-\(suffix)"
        // Keeps other tests' pods off these nodes (the scheduler would happily use them), and
        // shows a configured toleration making a tainted node count.
        let taintKey = "ncn.test/inventory-\(suffix)"
        let configuration = InventoryConfiguration(
            tolerations: InventoryConfiguration.defaultTolerations + [Toleration(key: taintKey, operator: "Exists", effect: nil)])

        try await bed.withKubernetes { client in
            do {
                try bed.testbed("node", cpuNode, "--cpu", "8", "--memory", "32Gi")
                try bed.testbed("node", gpuNode, "--cpu", "16", "--memory", "64Gi", "--gpus", "4", "--gpu-model", model)
                for node in [cpuNode, gpuNode] {
                    try bed.testbed("kubectl", "taint", "node", node, "\(taintKey)=only:NoSchedule")
                }
                let inventory = Inventory(client: client, configuration: configuration)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await inventory.run() }
                    defer { group.cancelAll() }
                    try await scenario(inventory, client: client, cpuNode: cpuNode, gpuNode: gpuNode, model: model, taintKey: taintKey, bed: bed)
                }
            } catch {
                await removeNodes([cpuNode, gpuNode], client)
                throw error
            }
            await removeNodes([cpuNode, gpuNode], client)
        }
    }

    private func scenario(
        _ inventory: Inventory, client: KubernetesClient, cpuNode: String, gpuNode: String, model: String, taintKey: String, bed: TestBed
    ) async throws {
        // Both nodes appear with everything free.
        let initial = try await eventually(inventory, "both nodes listed") { $0[node: cpuNode] != nil && $0[node: gpuNode] != nil }
        XCTAssertTrue(inventory.isSynced)
        let cpu = try XCTUnwrap(initial[node: cpuNode])
        // The test bed's fake nodes report 500Gi of disk (ephemeral-storage), as real ones report theirs.
        XCTAssertEqual(cpu.allocatable, ResourceAmounts(cpuMillis: 8000, memoryBytes: 32 * gib, pods: 110, ephemeralStorageBytes: 500 * gib))
        XCTAssertEqual(cpu.free, cpu.allocatable)
        XCTAssertNil(cpu.gpuModel)
        XCTAssertEqual(cpu.exclusions, [])
        let gpu = try XCTUnwrap(initial[node: gpuNode])
        XCTAssertEqual(gpu.gpuModel, model)
        XCTAssertEqual(gpu.allocatable, ResourceAmounts(cpuMillis: 16_000, memoryBytes: 64 * gib, gpus: [model: 4], pods: 110,
                                                        ephemeralStorageBytes: 500 * gib))
        XCTAssertEqual(gpu.free, gpu.allocatable)
        XCTAssertEqual(gpu.exclusions, [])
        XCTAssertEqual(initial.freeGPUs(model: model), 4)
        XCTAssertEqual(initial.canFit(cpu: "1", memory: "1Gi", gpus: 4, gpuModel: model)?.node, gpuNode)
        XCTAssertNil(initial.canFit(cpu: "1", memory: "1Gi", gpus: 5, gpuModel: model))

        try await client.withScratchNamespace { ns in
            // A pod asking for 2 GPUs of the model: the real scheduler binds it, the inventory follows.
            let created = ContinuousClock.now
            _ = try await createPod(client, gpuPod(ns, model: model, taintKey: taintKey))
            let bound = try await eventually(inventory, "2 GPUs taken") { $0[node: gpuNode]?.free.gpus == [model: 2] }
            let bindLatency = ContinuousClock.now - created
            print("inventory: pod created → GPUs shown taken in \(bindLatency)")
            XCTAssertLessThan(bindLatency, .seconds(3), "the scheduler's binding should show within a second or two")
            let pod = try await client.get(Pod.self, name: "gpu-job", namespace: ns)
            XCTAssertEqual(pod.spec?.nodeName, gpuNode, "the scheduler bound it")
            XCTAssertEqual(bound[node: gpuNode]?.requested, ResourceAmounts(cpuMillis: 1000, memoryBytes: gib, gpus: [model: 2], pods: 1))
            XCTAssertEqual(bound[node: gpuNode]?.free, ResourceAmounts(cpuMillis: 15_000, memoryBytes: 63 * gib, gpus: [model: 2], pods: 109,
                                                                       ephemeralStorageBytes: 500 * gib))
            XCTAssertEqual(bound[node: cpuNode]?.requested, .zero)
            XCTAssertEqual(bound.canFit(cpu: "1", memory: "1Gi", gpus: 2, gpuModel: model)?.node, gpuNode)
            XCTAssertNil(bound.canFit(cpu: "1", memory: "1Gi", gpus: 3, gpuModel: model))

            let deleted = ContinuousClock.now
            try await client.delete(Pod.self, name: "gpu-job", namespace: ns)
            _ = try await eventually(inventory, "GPUs back") { $0[node: gpuNode]?.free.gpus == [model: 4] }
            print("inventory: pod deleted → GPUs shown free in \(ContinuousClock.now - deleted)")
            XCTAssertEqual(inventory.current[node: gpuNode]?.requested, .zero)
        }

        // Cordoning excludes the node from every answer.
        let cpuOnly = ResourceDemand(cpuMillis: 1000, memoryBytes: gib)
        XCTAssertTrue(inventory.current.fits(for: cpuOnly).contains { $0.node == cpuNode })
        try bed.testbed("kubectl", "cordon", cpuNode)
        let cordoned = try await eventually(inventory, "cordon seen") { $0[node: cpuNode]?.isSchedulable == false }
        XCTAssertEqual(cordoned[node: cpuNode]?.exclusions, [.cordoned])
        XCTAssertFalse(cordoned.fits(for: cpuOnly).contains { $0.node == cpuNode })
        XCTAssertEqual(cordoned[node: gpuNode]?.isSchedulable, true)
    }

    private func removeNodes(_ names: [String], _ client: KubernetesClient) async {
        for name in names { try? await client.delete(Node.self, name: name) }
    }

    /// Waits for the inventory's snapshot to satisfy `done` (polling here in the test only).
    private func eventually(
        _ inventory: Inventory, _ what: String, timeout: Duration = .seconds(15),
        file: StaticString = #filePath, line: UInt = #line, _ done: (InventorySnapshot) -> Bool
    ) async throws -> InventorySnapshot {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let snapshot = inventory.current
            if done(snapshot) { return snapshot }
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTFail("\(what): not seen within \(timeout)", file: file, line: line)
        throw CancellationError()
    }
}
