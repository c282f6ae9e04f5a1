@testable import Operator
import XCTest

final class WorkQueueStateTests: XCTestCase {
    func testDeduplicatesAndHandsOutTheEarliestDueKey() {
        var queue = WorkQueueState<String, Int>()
        queue.add("a", due: 5)
        queue.add("b", due: 3)
        queue.add("a", due: 9)  // a later schedule does not postpone an earlier one
        XCTAssertEqual(queue.depth, 2)
        XCTAssertNil(queue.take(now: 2))
        XCTAssertEqual(queue.nextDue, 3)
        XCTAssertEqual(queue.take(now: 10), "b")
        XCTAssertEqual(queue.take(now: 10), "a")
        XCTAssertNil(queue.take(now: 10))
    }

    func testAKeyIsNeverHandedOutTwiceAtOnceAndChangesWhileRunningRunAgain() {
        var queue = WorkQueueState<String, Int>()
        queue.add("a", due: 0)
        XCTAssertEqual(queue.take(now: 0), "a")
        queue.add("a", due: 1)
        XCTAssertNil(queue.take(now: 5), "a is running")
        queue.finish("a", requeue: nil)
        XCTAssertEqual(queue.take(now: 5), "a")
        queue.finish("a", requeue: nil)
        XCTAssertTrue(queue.isIdle)
    }

    func testRequeueAndForget() {
        var queue = WorkQueueState<String, Int>()
        queue.add("a", due: 0)
        _ = queue.take(now: 0)
        queue.finish("a", requeue: 30)
        XCTAssertNil(queue.take(now: 29))
        queue.add("a", due: 10)  // a change brings it forward
        XCTAssertEqual(queue.take(now: 10), "a")
        queue.finish("a", requeue: 40)
        queue.forget("a")
        XCTAssertTrue(queue.isIdle)
    }

    func testErrorPolicyBacksOffExponentiallyToTheCap() {
        let policy = ErrorPolicy(initial: .seconds(1), maximum: .seconds(10))
        XCTAssertEqual((1...6).map { policy.delay(afterFailures: $0) },
                       [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
    }
}

final class WorkQueueTests: XCTestCase {
    struct Failure: Error {}

    func testWorkersGetKeysAsTheyAreAddedAndFailuresComeBackLater() async {
        let queue = WorkQueue<String, ContinuousClock>(clock: ContinuousClock(), errorPolicy: ErrorPolicy(initial: .milliseconds(100)))
        async let first = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        queue.add("lease-1")
        let key = await first
        XCTAssertEqual(key, "lease-1")
        let failedAt = ContinuousClock.now
        queue.finish("lease-1", result: .failure(Failure()))
        let again = await queue.next()
        XCTAssertEqual(again, "lease-1")
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - failedAt, .milliseconds(90))
        queue.finish("lease-1", result: .success(.awaitChange))
        XCTAssertEqual(queue.depth, 0)
    }

    func testCloseEndsWaitingWorkers() async {
        let queue = WorkQueue<String, ContinuousClock>(clock: ContinuousClock())
        async let waiting = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        queue.close()
        let key = await waiting
        XCTAssertNil(key)
    }
}
