@testable import Operator
import XCTest

final class IntakeSchedulerTests: XCTestCase {
    typealias Scheduler = IntakeScheduler<Int>

    private func started(_ submission: Scheduler.Submission) -> Scheduler.Entry? {
        if case let .start(entry) = submission { return entry }
        return nil
    }

    func testNoMoreThanTheParallelismRunsAndTheRestStartInArrivalOrder() {
        var scheduler = Scheduler(parallelism: 2, capacity: 10)
        XCTAssertEqual(started(scheduler.submit(1, key: "a"))?.work, 1)
        XCTAssertEqual(started(scheduler.submit(2, key: "b"))?.work, 2)
        XCTAssertNil(started(scheduler.submit(3, key: "c")))
        XCTAssertNil(started(scheduler.submit(4, key: "d")))
        XCTAssertEqual(scheduler.running, 2)
        XCTAssertEqual(scheduler.waiting, 2)
        // The worker that finishes b takes the oldest waiting work.
        XCTAssertEqual(scheduler.finish(key: "b")?.work, 3)
        XCTAssertEqual(scheduler.finish(key: "a")?.work, 4)
        XCTAssertNil(scheduler.finish(key: "c"))
        XCTAssertNil(scheduler.finish(key: "d"))
        XCTAssertTrue(scheduler.isIdle)
    }

    func testWorkForOneRequestRunsOneAtATimeInOrder() {
        var scheduler = Scheduler(parallelism: 4, capacity: 10)
        XCTAssertEqual(started(scheduler.submit(1, key: "a"))?.work, 1)
        // The same request from a second relay, then its cancellation: queued behind the first
        // although workers are free.
        XCTAssertNil(started(scheduler.submit(2, key: "a")))
        XCTAssertNil(started(scheduler.submit(3, key: "a")))
        XCTAssertEqual(started(scheduler.submit(10, key: "b"))?.work, 10, "another request is not held up")
        XCTAssertEqual(scheduler.finish(key: "a")?.work, 2)
        XCTAssertEqual(scheduler.finish(key: "a")?.work, 3)
        XCTAssertNil(scheduler.finish(key: "a"))
        XCTAssertNil(scheduler.finish(key: "b"))
        XCTAssertTrue(scheduler.isIdle)
        XCTAssertEqual(started(scheduler.submit(4, key: "a"))?.work, 4, "a finished key is free again")
    }

    func testAKeysNextWorkWaitsBehindWorkThatWasReadyBeforeIt() {
        var scheduler = Scheduler(parallelism: 1, capacity: 10)
        XCTAssertNotNil(started(scheduler.submit(1, key: "a")))
        XCTAssertNil(started(scheduler.submit(2, key: "b")))
        XCTAssertNil(started(scheduler.submit(3, key: "a")))
        // One worker: b was ready before a's second piece, so it goes first.
        XCTAssertEqual(scheduler.finish(key: "a")?.work, 2)
        XCTAssertEqual(scheduler.finish(key: "b")?.work, 3)
        XCTAssertNil(scheduler.finish(key: "a"))
        XCTAssertTrue(scheduler.isIdle)
    }

    func testWorkBeyondTheBacklogIsDropped() {
        var scheduler = Scheduler(parallelism: 1, capacity: 2)
        XCTAssertNotNil(started(scheduler.submit(1, key: "a")))
        guard case .queued = scheduler.submit(2, key: "b"), case .queued = scheduler.submit(3, key: "a") else {
            return XCTFail("two fit in the backlog")
        }
        guard case .dropped = scheduler.submit(4, key: "c"), case .dropped = scheduler.submit(5, key: "a") else {
            return XCTFail("the third waiting piece is over capacity, for a new key and for a busy one")
        }
        XCTAssertEqual(scheduler.waiting, 2)
        XCTAssertEqual(scheduler.finish(key: "a")?.work, 2)
        guard case .queued = scheduler.submit(6, key: "c") else { return XCTFail("room again once work started") }
        XCTAssertEqual(scheduler.finish(key: "b")?.work, 3)
        XCTAssertEqual(scheduler.finish(key: "a")?.work, 6)
        XCTAssertNil(scheduler.finish(key: "c"))
        XCTAssertTrue(scheduler.isIdle)
    }

    /// Many pieces over a few keys, workers finishing in a scrambled order: every piece runs
    /// once, never two of one key at once, each key's in submission order, never over the bound.
    func testAnyInterleavingKeepsTheGuarantees() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var scheduler = Scheduler(parallelism: 3, capacity: 1_000)
            var runningKeys: [String] = []
            var ran: [String: [Int]] = [:]
            var submitted: [String: [Int]] = [:]
            func run(_ entry: Scheduler.Entry) {
                XCTAssertFalse(runningKeys.contains(entry.key), "two pieces of one key at once")
                runningKeys.append(entry.key)
                ran[entry.key, default: []].append(entry.work)
                XCTAssertLessThanOrEqual(runningKeys.count, 3)
            }
            for work in 0..<200 {
                let key = "k\(Int.random(in: 0..<7, using: &random))"
                submitted[key, default: []].append(work)
                if let entry = started(scheduler.submit(work, key: key)) { run(entry) }
                if Bool.random(using: &random), !runningKeys.isEmpty {
                    let done = runningKeys.remove(at: Int.random(in: 0..<runningKeys.count, using: &random))
                    if let next = scheduler.finish(key: done) { run(next) }
                }
            }
            while !runningKeys.isEmpty {
                let done = runningKeys.remove(at: Int.random(in: 0..<runningKeys.count, using: &random))
                if let next = scheduler.finish(key: done) { run(next) }
            }
            XCTAssertTrue(scheduler.isIdle)
            XCTAssertEqual(ran, submitted)
        }
    }
}
