import ComputeAPI
import Foundation
import KubeClient
@testable import Operator
import XCTest

final class InventoryFitTests: XCTestCase {
    private typealias F = InventoryFixtures
    private let gib = InventoryFixtures.gib

    private func demand(cpu: Int64 = 1000, memory: Int64 = 1 << 30, gpus: Int64 = 0, model: String? = nil) -> ResourceDemand {
        ResourceDemand(cpuMillis: cpu, memoryBytes: memory, gpus: gpus, gpuModel: model)
    }

    private lazy var mixed = InventorySnapshot(nodes: [
        F.node("cpu-small", cpu: "4", memory: "16Gi"),
        F.node("cpu-big", cpu: "64", memory: "256Gi"),
        F.gpuNode("a100-4", gpus: "4", model: "A100"),
        F.gpuNode("a100-8", gpus: "8", model: "A100"),
        F.gpuNode("h100-8", gpus: "8", model: "H100"),
        F.node("unlabelled-gpu", cpu: "16", memory: "64Gi", gpus: "2"),
    ], pods: [])

    func testCPUOnlyLeasesStayOffGPUNodesAndTakeTheTightestNode() throws {
        XCTAssertEqual(mixed.canFit(demand(cpu: 2000))?.node, "cpu-small")
        XCTAssertEqual(mixed.canFit(demand(cpu: 8000))?.node, "cpu-big", "too big for cpu-small")
        XCTAssertEqual(mixed.canFit(demand(cpu: 48_000))?.node, "cpu-big")
        XCTAssertEqual(mixed.canFit(demand(cpu: 65_000))?.node, nil, "no node has 65 cores")
        let fit = try XCTUnwrap(mixed.canFit(demand(cpu: 1500, memory: 2 * gib)))
        XCTAssertEqual(fit, NodeFit(
            node: "cpu-small", gpuModel: nil, amounts: ResourceAmounts(cpuMillis: 1500, memoryBytes: 2 * gib, pods: 1),
            freeAfter: ResourceAmounts(cpuMillis: 2500, memoryBytes: 14 * gib, pods: 109)))
    }

    func testGPULeasesGoToTheRightModelLeavingTheFewestGPUsIdle() throws {
        XCTAssertEqual(mixed.canFit(demand(gpus: 1, model: "A100"))?.node, "a100-4")
        XCTAssertEqual(mixed.canFit(demand(gpus: 5, model: "A100"))?.node, "a100-8")
        XCTAssertEqual(mixed.canFit(demand(gpus: 8, model: "H100"))?.node, "h100-8")
        XCTAssertNil(mixed.canFit(demand(gpus: 9, model: "A100")), "GPUs of two nodes cannot be combined")
        XCTAssertNil(mixed.canFit(demand(gpus: 1, model: "L4")), "no such model")
        XCTAssertEqual(mixed.canFit(demand(gpus: 2))?.node, "unlabelled-gpu", "any model, tightest first")
        XCTAssertEqual(mixed.canFit(demand(gpus: 3))?.node, "a100-4")
        let fit = try XCTUnwrap(mixed.canFit(demand(cpu: 4000, memory: 16 * gib, gpus: 2, model: "A100")))
        XCTAssertEqual(fit.gpuModel, "A100")
        XCTAssertEqual(fit.amounts, ResourceAmounts(cpuMillis: 4000, memoryBytes: 16 * gib, gpus: ["A100": 2], pods: 1))
        XCTAssertEqual(fit.freeAfter, ResourceAmounts(cpuMillis: 28_000, memoryBytes: 112 * gib, gpus: ["A100": 2], pods: 109))
    }

    func testAModelWithoutGPUsStillSelectsNodesOfThatModel() {
        XCTAssertEqual(mixed.canFit(demand(cpu: 1000, model: "H100"))?.node, "h100-8")
        XCTAssertNil(mixed.canFit(demand(cpu: 1000, model: "L4")))
    }

    func testAllFitsAreRankedAndTiesBreakByName() {
        let twins = InventorySnapshot(nodes: [F.node("b"), F.node("a"), F.node("c", cpu: "4")], pods: [])
        XCTAssertEqual(twins.fits(for: demand()).map(\.node), ["c", "a", "b"])
        let memory = InventorySnapshot(nodes: [F.node("big", memory: "64Gi"), F.node("small", memory: "8Gi")], pods: [])
        XCTAssertEqual(memory.fits(for: demand()).map(\.node), ["small", "big"], "same CPU left: least memory left wins")
        XCTAssertEqual(mixed.fits(for: demand(gpus: 1)).map(\.node), ["unlabelled-gpu", "a100-4", "a100-8", "h100-8"])
    }

    func testRequestsAlreadyOnANodeCount() {
        let busy = InventorySnapshot(nodes: [F.gpuNode("g1", gpus: "4"), F.gpuNode("g2", gpus: "4")], pods: [
            F.pod("p", on: "g1", cpu: "1", memory: "1Gi", gpus: "3"),
        ])
        XCTAssertEqual(busy.canFit(demand(gpus: 1, model: F.model))?.node, "g1", "g1's last GPU is the tightest fit")
        XCTAssertEqual(busy.canFit(demand(gpus: 2, model: F.model))?.node, "g2")
        let full = InventorySnapshot(nodes: [F.node("n", cpu: "4")], pods: [F.pod("p", on: "n", cpu: "3500m", memory: "1Gi")])
        XCTAssertNotNil(full.canFit(demand(cpu: 500)))
        XCTAssertNil(full.canFit(demand(cpu: 501)))
    }

    func testANodeWithoutAFreePodSlotTakesNothing() {
        let inventory = InventorySnapshot(nodes: [F.node("n", pods: "1")], pods: [F.pod("p", on: "n", cpu: "1", memory: "1Gi")])
        XCTAssertNil(inventory.canFit(demand(cpu: 1)))
        XCTAssertNil(InventorySnapshot(nodes: [F.node("no-pods-reported", pods: nil)], pods: []).canFit(demand()),
                     "like the scheduler, a node without allocatable pods takes none")
    }

    func testExcludedNodesAreNeverChosen() {
        let inventory = InventorySnapshot(nodes: [
            F.node("cordoned", cpu: "64", unschedulable: true),
            F.node("tainted", cpu: "64", taints: [.init(key: "dedicated", value: nil, effect: "NoSchedule")]),
            F.node("not-ready", cpu: "64", ready: "False"),
            F.node("ok", cpu: "2"),
        ], pods: [])
        XCTAssertEqual(inventory.fits(for: demand(cpu: 1000)).map(\.node), ["ok"])
        XCTAssertNil(inventory.canFit(demand(cpu: 3000)))
    }

    /// Local disk counts like the scheduler counts it: the node's allocatable ephemeral-storage,
    /// less what bound pods request (or limit), less what bids hold.
    func testADiskHeavyLeaseOnlyFitsANodeWithTheDiskFree() throws {
        let disks = InventorySnapshot(nodes: [
            F.node("small-disk", cpu: "4", extra: ["ephemeral-storage": "40Gi"]),
            F.node("big-disk", cpu: "64", memory: "256Gi", extra: ["ephemeral-storage": "500Gi"]),
            F.node("no-disk-reported", cpu: "2"),
        ], pods: [
            F.pod("lease", on: "small-disk", containers: [F.container(
                requests: ["cpu": "1", "memory": "1Gi", "ephemeral-storage": "10Gi"], limits: ["cpu": "1", "memory": "1Gi", "ephemeral-storage": "10Gi"])]),
            F.pod("logs", on: "small-disk", containers: [F.container(limits: ["ephemeral-storage": "5Gi"])]),
        ])
        XCTAssertEqual(disks[node: "small-disk"]?.requested.ephemeralStorageBytes, 15 * gib, "requests, or limits where no request is given")
        XCTAssertEqual(disks[node: "small-disk"]?.free.ephemeralStorageBytes, 25 * gib)
        XCTAssertEqual(disks.totals.allocatable.ephemeralStorageBytes, 540 * gib)
        XCTAssertEqual(disks.totals.free.ephemeralStorageBytes, 525 * gib)

        let lease = LeaseResources(cpu: "1", memory: "1Gi", ephemeralStorage: "25Gi")
        XCTAssertEqual(disks.canFit(lease)?.node, "small-disk", "CPU is tightest there, and 25Gi of disk is still free")
        let heavy = LeaseResources(cpu: "1", memory: "1Gi", ephemeralStorage: "26Gi")
        XCTAssertEqual(disks.canFit(heavy)?.node, "big-disk", "one byte more than small-disk has free")
        XCTAssertNil(disks.canFit(LeaseResources(cpu: "1", memory: "1Gi", ephemeralStorage: "501Gi")), "no node has that much disk")
        XCTAssertFalse(disks.fits(for: try ResourceDemand(lease)).contains { $0.node == "no-disk-reported" },
                       "a node reporting no ephemeral-storage takes no lease with disk, as the scheduler would refuse it")
        XCTAssertEqual(disks.canFit(cpu: "1", memory: "1Gi")?.node, "no-disk-reported", "but still takes a demand without disk")

        // A bid holding disk on big-disk leaves the next heavy request nowhere to go.
        var reservations = Reservations()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let held = try XCTUnwrap(reservations.reserve(id: "bid", demand: try ResourceDemand(LeaseResources(cpu: "1", memory: "1Gi", ephemeralStorage: "480Gi")),
                                                      until: now + 300, in: disks, now: now))
        XCTAssertEqual(held.node, "big-disk")
        XCTAssertNil(disks.applying(reservations, now: now).canFit(heavy))
        let shortfall = disks.applying(reservations, now: now).shortfall(for: try ResourceDemand(heavy))
        XCTAssertTrue(shortfall.contains("big-disk: free 63000m CPU, 261120Mi, 20480Mi disk"), shortfall)
    }

    func testQuantityAndLeaseConveniences() {
        XCTAssertEqual(mixed.canFit(cpu: "500m", memory: "1Gi", gpus: 4, gpuModel: "A100")?.node, "a100-4")
        XCTAssertEqual(mixed.canFit(cpu: "2", memory: "1G")?.node, "cpu-small")
        XCTAssertNil(mixed.canFit(cpu: "lots", memory: "1Gi"), "an invalid quantity fits nowhere")
        XCTAssertEqual(mixed.canFit(LeaseResources(cpu: "8", memory: "64Gi", gpus: 8, gpuModel: "H100"))?.node, "h100-8")
        XCTAssertNil(mixed.canFit(LeaseResources(cpu: "8", memory: "1 Gi")))
    }
}
