import Foundation
import KubeClient
@testable import Operator
import XCTest

final class InventoryPodUsageTests: XCTestCase {
    private typealias F = InventoryFixtures

    func testOnlyChangesToWhatAPodHoldsCount() {
        let running = F.pod("p", on: "n", cpu: "1", memory: "1Gi")
        var relabelled = running
        relabelled.metadata.labels = ["x": "y"]
        relabelled.status?.podIP = "10.0.0.1"
        var resized = running
        resized.spec?.containers[0].resources?.requests?["cpu"] = "2"
        var moved = running
        moved.spec?.nodeName = "m"
        var succeeded = running
        succeeded.status?.phase = "Succeeded"
        var failed = running
        failed.status?.phase = "Failed"
        let unbound = F.pod("p", on: nil, cpu: "1", memory: "1Gi", phase: "Pending")
        var pendingUnbound = unbound
        pendingUnbound.status?.message = "0/3 nodes are available"

        XCTAssertFalse(PodUsage.changes(from: running, to: relabelled))
        XCTAssertFalse(PodUsage.changes(from: unbound, to: pendingUnbound))
        XCTAssertFalse(PodUsage.changes(from: nil, to: unbound), "an unbound pod holds nothing yet")
        XCTAssertFalse(PodUsage.changes(from: succeeded, to: nil))
        XCTAssertFalse(PodUsage.changes(from: succeeded, to: failed))
        XCTAssertTrue(PodUsage.changes(from: unbound, to: running), "binding")
        XCTAssertTrue(PodUsage.changes(from: running, to: resized))
        XCTAssertTrue(PodUsage.changes(from: running, to: moved))
        XCTAssertTrue(PodUsage.changes(from: running, to: succeeded))
        XCTAssertTrue(PodUsage.changes(from: running, to: nil))
        XCTAssertTrue(PodUsage.changes(from: nil, to: running))
    }
}

/// The live `Inventory` fed from in-memory event streams instead of an apiserver.
final class InventoryLiveTests: XCTestCase {
    private typealias F = InventoryFixtures

    private struct Feed {
        let nodes: AsyncThrowingStream<WatcherEvent<Node>, any Error>
        let pods: AsyncThrowingStream<WatcherEvent<Pod>, any Error>
        let node: AsyncThrowingStream<WatcherEvent<Node>, any Error>.Continuation
        let pod: AsyncThrowingStream<WatcherEvent<Pod>, any Error>.Continuation

        init() {
            (nodes, node) = AsyncThrowingStream.makeStream(of: WatcherEvent<Node>.self)
            (pods, pod) = AsyncThrowingStream.makeStream(of: WatcherEvent<Pod>.self)
        }
    }

    /// Runs `inventory` on `feed` for the duration of `body`.
    private func withRunning<T: Sendable>(
        _ inventory: Inventory, _ feed: Feed, _ body: () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            let nodes = feed.nodes, pods = feed.pods
            group.addTask { try await inventory.run(nodeEvents: nodes, podEvents: pods) }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Polls until `done` holds for the current snapshot (the test's side only; the inventory
    /// itself is event driven), failing after `timeout`.
    @discardableResult
    private func eventually(
        _ inventory: Inventory, timeout: Duration = .seconds(5), file: StaticString = #filePath, line: UInt = #line,
        _ done: (InventorySnapshot) -> Bool
    ) async throws -> InventorySnapshot {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if done(inventory.current) { return inventory.current }
            try await Task.sleep(for: .milliseconds(5))
        }
        XCTFail("condition not met in \(timeout); inventory: \(inventory.current.nodes)", file: file, line: line)
        return inventory.current
    }

    func testNothingIsPromisedUntilBothListsAreIn() async throws {
        let inventory = Inventory(debounce: .milliseconds(1))
        let feed = Feed()
        try await withRunning(inventory, feed) {
            feed.node.yield(.restarted([F.gpuNode("g", gpus: "2")]))
            try await Task.sleep(for: .milliseconds(50))
            XCTAssertFalse(inventory.isSynced)
            XCTAssertEqual(inventory.current, .empty)
            XCTAssertNil(inventory.reserve(id: "r", demand: ResourceDemand(cpuMillis: 1, memoryBytes: 1), until: .distantFuture))

            feed.pod.yield(.restarted([F.pod("p", on: "g", cpu: "1", memory: "1Gi", gpus: "1")]))
            await inventory.waitUntilSynced()
            XCTAssertTrue(inventory.isSynced)
            XCTAssertEqual(inventory.current[node: "g"]?.free.gpus, [F.model: 1])
        }
    }

    func testFollowsNodeAndPodEvents() async throws {
        let inventory = Inventory(debounce: .milliseconds(1))
        let feed = Feed()
        try await withRunning(inventory, feed) {
            feed.node.yield(.restarted([F.node("cpu", cpu: "4")]))
            feed.pod.yield(.restarted([]))
            await inventory.waitUntilSynced()

            feed.node.yield(.applied(F.gpuNode("g", gpus: "4")))
            try await eventually(inventory) { $0.freeGPUs(model: F.model) == 4 }

            feed.pod.yield(.applied(F.pod("a", on: "g", cpu: "1", memory: "1Gi", gpus: "2")))
            try await eventually(inventory) { $0.freeGPUs(model: F.model) == 2 }

            var finished = F.pod("a", on: "g", cpu: "1", memory: "1Gi", gpus: "2")
            finished.status?.phase = "Succeeded"
            feed.pod.yield(.applied(finished))
            try await eventually(inventory) { $0.freeGPUs(model: F.model) == 4 }

            feed.pod.yield(.applied(F.pod("b", on: "cpu", cpu: "3", memory: "1Gi")))
            try await eventually(inventory) { $0[node: "cpu"]?.free.cpuMillis == 1000 }
            feed.pod.yield(.deleted(F.pod("b", on: "cpu", cpu: "3", memory: "1Gi")))
            try await eventually(inventory) { $0[node: "cpu"]?.free.cpuMillis == 4000 }

            feed.node.yield(.applied(F.node("cpu", cpu: "4", unschedulable: true)))
            try await eventually(inventory) { $0[node: "cpu"]?.isSchedulable == false }
            feed.node.yield(.deleted(F.gpuNode("g", gpus: "4")))
            try await eventually(inventory) { $0[node: "g"] == nil }

            // A re-list replaces everything, including what vanished unseen.
            feed.node.yield(.restarted([F.node("fresh")]))
            try await eventually(inventory) { $0.nodes.map(\.name) == ["fresh"] }
        }
    }

    func testSubscribersGetTheCurrentSnapshotThenEachChange() async throws {
        let inventory = Inventory(debounce: .milliseconds(1))
        let feed = Feed()
        try await withRunning(inventory, feed) {
            var updates = inventory.snapshots().makeAsyncIterator()
            feed.node.yield(.restarted([F.gpuNode("g", gpus: "4")]))
            feed.pod.yield(.restarted([]))
            let first = await updates.next()
            XCTAssertEqual(first?.freeGPUs(model: F.model), 4)

            // A pod update that changes nothing it holds publishes nothing; the next real change does.
            var pod = F.pod("a", on: "g", cpu: "1", memory: "1Gi", gpus: "1")
            feed.pod.yield(.applied(pod))
            let second = await updates.next()
            XCTAssertEqual(second?.freeGPUs(model: F.model), 3)
            pod.metadata.labels = ["touched": "yes"]
            feed.pod.yield(.applied(pod))
            feed.node.yield(.applied(F.gpuNode("g", gpus: "4")))  // the same node again
            feed.pod.yield(.applied(F.pod("b", on: "g", cpu: "1", memory: "1Gi", gpus: "2")))
            let third = await updates.next()
            XCTAssertEqual(third?.freeGPUs(model: F.model), 1)

            // A late subscriber starts from the current snapshot.
            var late = inventory.snapshots().makeAsyncIterator()
            let current = await late.next()
            XCTAssertEqual(current?.freeGPUs(model: F.model), 1)
        }
    }

    func testReservationsAreHeldUntilReleasedOrExpired() async throws {
        let inventory = Inventory(debounce: .milliseconds(1))
        let feed = Feed()
        try await withRunning(inventory, feed) {
            feed.node.yield(.restarted([F.gpuNode("g", gpus: "2")]))
            feed.pod.yield(.restarted([]))
            await inventory.waitUntilSynced()
            let demand = ResourceDemand(cpuMillis: 1000, memoryBytes: 1 << 30, gpus: 1, gpuModel: F.model)

            XCTAssertEqual(inventory.reserve(id: "a", demand: demand, until: Date() + 3600)?.node, "g")
            XCTAssertEqual(inventory.current.freeGPUs(model: F.model), 1, "visible at once, before any recompute")
            XCTAssertEqual(inventory.reserve(id: "b", demand: demand, until: Date() + 0.3)?.node, "g")
            XCTAssertNil(inventory.reserve(id: "c", demand: demand, until: Date() + 3600), "both GPUs are promised")
            XCTAssertEqual(inventory.reservations.all.map(\.id), ["a", "b"])

            // Nothing changes in the cluster, yet b's expiry frees its GPU.
            let started = ContinuousClock.now
            try await eventually(inventory) { $0.freeGPUs(model: F.model) == 1 && $0.totals.reserved.totalGPUs == 1 }
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
            XCTAssertEqual(inventory.reservations.all.map(\.id), ["a"])
            XCTAssertEqual(inventory.reserve(id: "c", demand: demand, until: Date() + 3600)?.node, "g")

            XCTAssertEqual(inventory.release(reservation: "a")?.id, "a")
            XCTAssertNil(inventory.release(reservation: "a"))
            XCTAssertEqual(inventory.current.freeGPUs(model: F.model), 1)

            // Reservations stay held across recomputes from new events.
            feed.pod.yield(.applied(F.pod("p", on: "g", cpu: "1", memory: "1Gi", gpus: "1")))
            try await eventually(inventory) { $0[node: "g"]?.requested.totalGPUs == 1 }
            XCTAssertEqual(inventory.current[node: "g"]?.reserved.totalGPUs, 1)
            XCTAssertEqual(inventory.current.freeGPUs(model: F.model), 0)
        }
    }

    func testAFailingWatchEndsRun() async throws {
        struct Boom: Error {}
        let inventory = Inventory(debounce: .milliseconds(1))
        let feed = Feed()
        feed.node.finish(throwing: Boom())
        do {
            try await inventory.run(nodeEvents: feed.nodes, podEvents: feed.pods)
            XCTFail("run should have thrown")
        } catch {
            XCTAssertTrue(error is Boom)
        }
    }

    func testCancellationEndsRun() async throws {
        let inventory = Inventory(debounce: .milliseconds(1))
        let feed = Feed()
        let nodes = feed.nodes, pods = feed.pods
        let returned = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await inventory.run(nodeEvents: nodes, podEvents: pods)
                return true
            }
            try await Task.sleep(for: .milliseconds(20))
            group.cancelAll()
            return try await group.next()
        }
        XCTAssertEqual(returned, true, "run returns once cancelled, though its streams never end")
    }
}
