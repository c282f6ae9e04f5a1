import ComputeAPI
import Foundation
import KubeClient
@testable import Operator
import XCTest

final class InventoryResourceAmountsTests: XCTestCase {
    private typealias F = InventoryFixtures
    private let gib = InventoryFixtures.gib

    private func cpu(_ text: String) throws -> Int64 { try ResourceAmounts(quantities: ["cpu": text], gpuModel: nil).cpuMillis }
    private func memory(_ text: String) throws -> Int64 { try ResourceAmounts(quantities: ["memory": text], gpuModel: nil).memoryBytes }

    // MARK: Quantities

    func testCPUQuantitiesBecomeMillicores() throws {
        let cases: [(String, Int64)] = [
            ("500m", 500), ("2", 2000), ("1.5", 1500), ("0.1", 100), ("1e3", 1_000_000), ("100u", 1), ("1k", 1_000_000), ("0", 0),
        ]
        for (text, millis) in cases { XCTAssertEqual(try cpu(text), millis, text) }
    }

    func testMemoryQuantitiesBecomeBytes() throws {
        let cases: [(String, Int64)] = [
            ("64Mi", 64 << 20), ("1G", 1_000_000_000), ("1e3", 1000), ("1.5Gi", 3 << 29), ("128974848", 128_974_848),
            ("1Ki", 1024), ("2Ti", 2 << 40), ("129M", 129_000_000), ("100m", 1),  // a fraction of a byte is a byte
        ]
        for (text, bytes) in cases { XCTAssertEqual(try memory(text), bytes, text) }
    }

    func testGPUsPodsDiskAndIgnoredResources() throws {
        let amounts = try ResourceAmounts(
            quantities: ["nvidia.com/gpu": "4", "pods": "110", "ephemeral-storage": "100Gi", "hugepages-2Mi": "0", "example.com/fpga": "2"],
            gpuModel: F.model)
        XCTAssertEqual(amounts, ResourceAmounts(gpus: [F.model: 4], pods: 110, ephemeralStorageBytes: 100 * gib))
        XCTAssertEqual(try ResourceAmounts(quantities: ["ephemeral-storage": "51539607552"], gpuModel: nil).ephemeralStorageBytes, 48 * gib,
                       "kubelets report disk in plain bytes too")
        XCTAssertThrowsError(try ResourceAmounts(quantities: ["ephemeral-storage": "lots"], gpuModel: nil, context: "node x")) { error in
            XCTAssertEqual(error as? InventoryError, .invalidQuantity(resource: "ephemeral-storage", value: "lots", context: "node x"))
        }
        XCTAssertEqual(try ResourceAmounts(quantities: [:], gpuModel: nil), .zero)
    }

    func testGPUsOnANodeWithoutAModelAreUnderTheUnknownModel() throws {
        let amounts = try ResourceAmounts(quantities: ["nvidia.com/gpu": "2"], gpuModel: nil)
        XCTAssertEqual(amounts.gpus, [ResourceAmounts.unknownGPUModel: 2])
        XCTAssertEqual(amounts.gpus(model: nil), 2)
        XCTAssertEqual(amounts.gpus(model: F.model), 0)
    }

    func testAnotherGPUResourceNameCanBeConfigured() throws {
        let amounts = try ResourceAmounts(quantities: ["amd.com/gpu": "8", "nvidia.com/gpu": "1"], gpuModel: "MI300X", gpuResource: "amd.com/gpu")
        XCTAssertEqual(amounts.gpus, ["MI300X": 8])
    }

    func testInvalidQuantitiesAreRefusedWithTheirName() {
        for text in ["lots", "-1", "1.2.3", "2 Gi", "1gi", ""] {
            XCTAssertThrowsError(try ResourceAmounts(quantities: ["memory": text], gpuModel: nil, context: "node x")) { error in
                XCTAssertEqual(error as? InventoryError, .invalidQuantity(resource: "memory", value: text, context: "node x"))
                XCTAssertEqual("\(error)", "node x: '\(text)' is not a valid quantity for memory")
            }
        }
    }

    // MARK: Arithmetic

    func testAdditionSumsEveryAmountAndGPUsModelByModel() {
        let a = ResourceAmounts(cpuMillis: 500, memoryBytes: gib, gpus: ["A": 1, "B": 2], pods: 1)
        let b = ResourceAmounts(cpuMillis: 1500, memoryBytes: gib, gpus: ["B": 1, "C": 4], pods: 2)
        XCTAssertEqual(a + b, ResourceAmounts(cpuMillis: 2000, memoryBytes: 2 * gib, gpus: ["A": 1, "B": 3, "C": 4], pods: 3))
        var c = a
        c += b
        XCTAssertEqual(c, a + b)
        XCTAssertEqual(a + .zero, a)
    }

    func testSubtractionStopsAtZeroAndDropsEmptyModels() {
        let a = ResourceAmounts(cpuMillis: 1000, memoryBytes: gib, gpus: ["A": 2, "B": 1], pods: 3)
        let b = ResourceAmounts(cpuMillis: 1500, memoryBytes: gib / 2, gpus: ["A": 2, "C": 1], pods: 1)
        let difference = a - b
        XCTAssertEqual(difference, ResourceAmounts(cpuMillis: 0, memoryBytes: gib / 2, gpus: ["B": 1], pods: 2))
        XCTAssertEqual(difference.gpus, ["B": 1], "models at zero are left out")
        var c = a
        c -= a
        XCTAssertEqual(c, .zero)
        XCTAssertTrue(c.isZero)
    }

    func testZeroAndNegativeCountsAreNormalisedAway() {
        XCTAssertEqual(ResourceAmounts(cpuMillis: -5, memoryBytes: -1, gpus: ["A": 0, "B": -2], pods: -1), .zero)
        XCTAssertEqual(ResourceAmounts(gpus: 0, gpuModel: "A"), .zero)
        XCTAssertEqual(ResourceAmounts(gpus: 3, gpuModel: nil).gpus, ["": 3])
    }

    func testAdditionSaturatesInsteadOfTrapping() {
        let huge = ResourceAmounts(cpuMillis: .max, memoryBytes: .max, gpus: ["A": .max], pods: .max)
        XCTAssertEqual(huge + huge, huge)
        XCTAssertEqual(huge.totalGPUs, .max)
        XCTAssertEqual((huge + ResourceAmounts(gpus: ["B": 1])).totalGPUs, .max)
    }

    func testCoversComparesEveryAmountAndEachModel() {
        let free = ResourceAmounts(cpuMillis: 2000, memoryBytes: 4 * gib, gpus: ["A": 2], pods: 1)
        XCTAssertTrue(free.covers(free))
        XCTAssertTrue(free.covers(.zero))
        XCTAssertTrue(free.covers(ResourceAmounts(cpuMillis: 2000, gpus: ["A": 1], pods: 1)))
        XCTAssertFalse(free.covers(ResourceAmounts(cpuMillis: 2001)))
        XCTAssertFalse(free.covers(ResourceAmounts(memoryBytes: 4 * gib + 1)))
        XCTAssertFalse(free.covers(ResourceAmounts(pods: 2)))
        XCTAssertFalse(free.covers(ResourceAmounts(gpus: ["A": 3])))
        XCTAssertFalse(free.covers(ResourceAmounts(gpus: ["B": 1])), "GPUs of another model do not count")
    }

    func testDescriptionListsModelsInOrder() {
        let amounts = ResourceAmounts(cpuMillis: 1500, memoryBytes: 1024, gpus: ["B": 1, "": 2, "A": 3], pods: 4)
        XCTAssertEqual(amounts.description, "cpu=1500m memory=1024 pods=4 gpu[unknown]=2 gpu[A]=3 gpu[B]=1")
    }

    // MARK: Pod requests

    func testRequestsAreSummedOverContainersWithOnePodSlot() throws {
        let pod = F.pod("p", on: "n", containers: [
            F.container("a", requests: ["cpu": "250m", "memory": "64Mi"]),
            F.container("b", requests: ["cpu": "1.5", "memory": "1G"]),
        ])
        XCTAssertEqual(try ResourceAmounts(requestsOf: pod, gpuModel: nil),
                       ResourceAmounts(cpuMillis: 1750, memoryBytes: (64 << 20) + 1_000_000_000, pods: 1))
    }

    func testRequestsDefaultToLimitsResourceByResource() throws {
        let pod = F.pod("p", on: "n", containers: [
            F.container("limits-only", limits: ["cpu": "2", "memory": "1Gi"]),
            F.container("both", requests: ["cpu": "100m"], limits: ["cpu": "4", "memory": "2Gi"]),
        ])
        XCTAssertEqual(try ResourceAmounts(requestsOf: pod, gpuModel: nil),
                       ResourceAmounts(cpuMillis: 2100, memoryBytes: 3 * gib, pods: 1),
                       "a request wins over its limit; a resource with only a limit is requested at the limit")
    }

    func testGPUsCountFromLimitsUnderTheNodeModel() throws {
        let limitsOnly = F.pod("p", on: "n", containers: [F.container(limits: ["nvidia.com/gpu": "2"])])
        XCTAssertEqual(try ResourceAmounts(requestsOf: limitsOnly, gpuModel: F.model), ResourceAmounts(gpus: [F.model: 2], pods: 1))
        let both = F.pod("p", on: "n", containers: [F.container(requests: ["nvidia.com/gpu": "1"], limits: ["nvidia.com/gpu": "1"])])
        XCTAssertEqual(try ResourceAmounts(requestsOf: both, gpuModel: nil), ResourceAmounts(gpus: 1, gpuModel: nil, pods: 1))
        let requestOnly = F.pod("p", on: "n", containers: [F.container(requests: ["nvidia.com/gpu": "1"])])
        XCTAssertEqual(try ResourceAmounts(requestsOf: requestOnly, gpuModel: "X").gpus, ["X": 1])
    }

    func testAPodWithoutResourcesTakesOnlyASlot() throws {
        XCTAssertEqual(try ResourceAmounts(requestsOf: F.pod("p", on: "n", containers: [F.container()]), gpuModel: nil), ResourceAmounts(pods: 1))
        XCTAssertEqual(try ResourceAmounts(requestsOf: Pod(metadata: ObjectMeta(name: "bare")), gpuModel: nil), ResourceAmounts(pods: 1))
    }

    /// `PodSpec` does not decode init containers, so they are not counted (see the initializer's note).
    func testInitContainersAreNotCounted() throws {
        let json = #"""
        {"metadata": {"name": "p", "namespace": "t"},
         "spec": {"nodeName": "n",
                  "initContainers": [{"name": "init", "image": "x", "resources": {"requests": {"cpu": "16"}}}],
                  "containers": [{"name": "main", "image": "x", "resources": {"requests": {"cpu": "1"}}}]},
         "status": {"phase": "Pending"}}
        """#
        let pod = try JSONDecoder().decode(Pod.self, from: Data(json.utf8))
        XCTAssertEqual(try ResourceAmounts(requestsOf: pod, gpuModel: nil), ResourceAmounts(cpuMillis: 1000, pods: 1))
    }

    func testAnInvalidRequestNamesThePodAndContainer() {
        let pod = F.pod("p", on: "n", containers: [F.container("c", requests: ["cpu": "two"])])
        XCTAssertThrowsError(try ResourceAmounts(requestsOf: pod, gpuModel: nil)) { error in
            XCTAssertEqual(error as? InventoryError, .invalidQuantity(resource: "cpu", value: "two", context: "pod tenant/p container c"))
        }
    }

    // MARK: Demands

    func testDemandsFromQuantitiesAndLeases() throws {
        let demand = try ResourceDemand(cpu: "500m", memory: "8Gi", gpus: 2, gpuModel: F.model)
        XCTAssertEqual(demand, ResourceDemand(cpuMillis: 500, memoryBytes: 8 * gib, gpus: 2, gpuModel: F.model))
        XCTAssertEqual(try ResourceDemand(.init(cpu: "2", memory: "1G")), ResourceDemand(cpuMillis: 2000, memoryBytes: 1_000_000_000))
        XCTAssertEqual(demand.amounts(onGPUModel: F.model), ResourceAmounts(cpuMillis: 500, memoryBytes: 8 * gib, gpus: [F.model: 2], pods: 1))
        XCTAssertThrowsError(try ResourceDemand(cpu: "x", memory: "1Gi"))
        XCTAssertThrowsError(try ResourceDemand(cpu: "1", memory: "1 Gi"))
        XCTAssertTrue(demand.accepts(gpuModel: F.model))
        XCTAssertFalse(demand.accepts(gpuModel: nil))
        XCTAssertTrue(ResourceDemand(cpuMillis: 1, memoryBytes: 1).accepts(gpuModel: nil))
        XCTAssertTrue(ResourceDemand(cpuMillis: 1, memoryBytes: 1).accepts(gpuModel: "any"))
    }

    func testADemandCarriesTheLeasesDisk() throws {
        let demand = try ResourceDemand(LeaseResources(cpu: "1", memory: "1Gi", ephemeralStorage: "20Gi"))
        XCTAssertEqual(demand, ResourceDemand(cpuMillis: 1000, memoryBytes: gib, ephemeralStorageBytes: 20 * gib))
        XCTAssertEqual(demand.amounts(onGPUModel: nil), ResourceAmounts(cpuMillis: 1000, memoryBytes: gib, pods: 1, ephemeralStorageBytes: 20 * gib))
        XCTAssertEqual(try ResourceDemand(LeaseResources(cpu: "1", memory: "1Gi")).ephemeralStorageBytes, 0, "a lease from before disk limits")
        XCTAssertThrowsError(try ResourceDemand(LeaseResources(cpu: "1", memory: "1Gi", ephemeralStorage: "big"))) { error in
            XCTAssertEqual(error as? InventoryError, .invalidQuantity(resource: "ephemeral-storage", value: "big", context: "demand"))
        }
    }

    func testDiskIsAddedSubtractedAndCovered() {
        let free = ResourceAmounts(cpuMillis: 1000, memoryBytes: gib, pods: 2, ephemeralStorageBytes: 10 * gib)
        XCTAssertTrue(free.covers(ResourceAmounts(ephemeralStorageBytes: 10 * gib)))
        XCTAssertFalse(free.covers(ResourceAmounts(ephemeralStorageBytes: 10 * gib + 1)))
        XCTAssertEqual((free + free).ephemeralStorageBytes, 20 * gib)
        XCTAssertEqual((free - ResourceAmounts(ephemeralStorageBytes: 30 * gib)).ephemeralStorageBytes, 0, "stops at zero")
        XCTAssertEqual(free.description, "cpu=1000m memory=1073741824 disk=10737418240 pods=2")
    }
}
