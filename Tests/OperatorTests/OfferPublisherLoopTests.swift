import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import Operator
import XCTest

/// The publisher's loop on a manual clock, with an in-memory inventory and a recording publish
/// function: what goes out, when, and with which created_at.
final class OfferPublisherLoopTests: XCTestCase {
    private typealias F = InventoryFixtures

    private struct Failure: Error {}

    func testPublishesAtStartAfterDebouncedChangesOnFailureRetryAndPeriodically() async throws {
        let clock = ManualClock()
        let wallClock = Locked(Date(timeIntervalSince1970: 1_800_000_000))
        let provider = Locked<ComputeProvider?>(OfferBuilderTests.provider(name: "loop", cashuMints: nil))
        let attempts = Locked<[NostrEvent]>([])
        let accepted = Locked<[NostrEvent]>([])
        let failing = Locked(false)
        let key = SecretKey.generate()
        let inventory = Inventory(debounce: .milliseconds(1))
        let (nodes, node) = AsyncThrowingStream.makeStream(of: WatcherEvent<Node>.self)
        let (pods, pod) = AsyncThrowingStream.makeStream(of: WatcherEvent<Pod>.self)
        let publisher = OfferPublisher(
            provider: { provider.value }, inventory: inventory, key: key, lockKey: nil,
            // Polling off: the test wakes the loop itself, so the clock's only sleeper is the schedule's.
            pollInterval: .seconds(100_000), clock: clock, now: { wallClock.value },
            publish: { event in
                // The offer only: its NIP-89 announcement (31990) goes out with each one.
                guard event.kind == ComputeKinds.offer else { return }
                attempts.withLock { $0.append(event) }
                if failing.value { throw Failure() }
                accepted.withLock { $0.append(event) }
            })

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await inventory.run(nodeEvents: nodes, podEvents: pods) }
            group.addTask { await publisher.run() }
            defer { group.cancelAll() }

            // Nothing before the inventory has synced.
            await clock.settle()
            XCTAssertEqual(attempts.value.count, 0)

            // At start: published at once.
            node.yield(.restarted([F.node("n", cpu: "8", memory: "32Gi")]))
            pod.yield(.restarted([]))
            try await waitFor("the first offer") { accepted.value.count == 1 }
            let first = try ComputeOffer.parse(accepted.value[0])
            XCTAssertEqual(accepted.value[0].pubkey, key.publicKey.hex)
            XCTAssertEqual(accepted.value[0].firstTagValue("d"), "loop")
            XCTAssertEqual(first.capacity.cpuMillicoresFree, 8000)
            XCTAssertEqual(accepted.value[0].createdAt, 1_800_000_000)
            XCTAssertEqual(first.expiration, 1_800_000_000 + 7200)
            // Recorded once publish returns, a moment after the relay accepted it.
            try await waitFor("the offer recorded as published") { publisher.lastPublished == accepted.value[0] }
            try await waitFor("the refresh scheduled") { clock.nextDeadline == at(1800) }

            // A burst of pod changes: one offer, 5 s after the last change.
            pod.yield(.applied(F.pod("a", on: "n", cpu: "1", memory: "1Gi")))
            try await waitFor("the change seen") { clock.nextDeadline == at(5) }
            clock.advance(by: .seconds(3))
            pod.yield(.applied(F.pod("b", on: "n", cpu: "1", memory: "1Gi")))
            try await waitFor("the debounce restarted") { clock.nextDeadline == at(8) }
            clock.advance(by: .milliseconds(4900))
            await clock.settle()
            XCTAssertEqual(accepted.value.count, 1, "still settling")
            clock.advance(by: .milliseconds(100))
            try await waitFor("the changed offer") { accepted.value.count == 2 }
            XCTAssertEqual(try ComputeOffer.parse(accepted.value[1]).capacity.cpuMillicoresFree, 6000)
            // The wall clock has not moved: created_at still goes up, so relays keep the new one.
            XCTAssertEqual(accepted.value[1].createdAt, 1_800_000_001)

            // Relays down: the attempt fails and is retried after 10 s, with a newer created_at each time.
            failing.withLock { $0 = true }
            provider.withLock { $0?.spec.pricing.msatsPerCpuHour = 30_000 }
            publisher.providerMayHaveChanged()
            try await waitFor("the price change seen") { clock.nextDeadline == at(13) }
            clock.advance(by: .seconds(5))
            try await waitFor("a failed attempt") { attempts.value.count == 3 }
            try await waitFor("the retry scheduled") { clock.nextDeadline == at(23) }
            failing.withLock { $0 = false }
            clock.advance(by: .seconds(10))
            try await waitFor("the retried offer") { accepted.value.count == 3 }
            XCTAssertEqual(try ComputeOffer.parse(accepted.value[2]).prices.msatsPerCpuHour, 30_000)
            XCTAssertEqual(attempts.value.map(\.createdAt), [1_800_000_000, 1_800_000_001, 1_800_000_002, 1_800_000_003])

            // Unchanged: nothing until the refresh, which renews the expiration.
            wallClock.withLock { $0 = $0.addingTimeInterval(1800) }
            try await waitFor("the refresh scheduled") { clock.nextDeadline == at(23 + 1800) }
            clock.advance(to: at(23 + 1800))
            try await waitFor("the refreshed offer") { accepted.value.count == 4 }
            let refreshed = accepted.value[3]
            XCTAssertEqual(refreshed.createdAt, 1_800_001_800)
            XCTAssertEqual(refreshed.expiration, 1_800_001_800 + 7200)
            XCTAssertEqual(try ComputeOffer.parse(refreshed).capacity, try ComputeOffer.parse(accepted.value[2]).capacity)

            // No provider: nothing more, and the last offer lapses on its own.
            provider.withLock { $0 = nil }
            publisher.providerMayHaveChanged()
            try await waitFor("nothing scheduled") { clock.nextDeadline == at(23 + 1800 + 100_000) }
            clock.advance(by: .seconds(7200))
            await clock.settle()
            XCTAssertEqual(attempts.value.count, 5)
        }
    }

    private func at(_ seconds: Int64) -> ManualClock.Instant { ManualClock.Instant(offset: .seconds(seconds)) }

    private func waitFor(_ what: String, file: StaticString = #filePath, line: UInt = #line, _ done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if done() { return }
            try await Task.sleep(for: .milliseconds(2))
        }
        XCTFail("timed out waiting for \(what)", file: file, line: line)
        throw CancellationError()
    }
}
