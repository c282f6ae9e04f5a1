import Synchronization
import XCTest

/// A clock that moves only when told to, for leader-election tests: sleepers wake when
/// `advance` passes their deadline, or throw when their task is cancelled.
final class ManualClock: Clock, Sendable {
    struct Instant: InstantProtocol, CustomStringConvertible {
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        var description: String { "t+\(offset)" }
    }

    private struct Sleeper {
        var id: Int
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var nextID = 0
    }

    private let state = Mutex(State())

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }

    /// The earliest deadline anyone sleeps until.
    var nextDeadline: Instant? { state.withLock { $0.sleepers.map(\.deadline).min() } }
    var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Decided under the lock that onCancel also takes, so a racing cancel still wakes us.
                let immediate = state.withLock { state -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    func advance(by duration: Duration) {
        advance(to: now.advanced(by: duration))
    }

    func advance(to instant: Instant) {
        let due = state.withLock { state -> [Sleeper] in
            if instant > state.now { state.now = instant }
            let due = state.sleepers.filter { $0.deadline <= state.now }
            state.sleepers.removeAll { $0.deadline <= state.now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}

extension ManualClock {
    /// Waits (in real time) until the tasks using this clock have settled: nothing is `busy`
    /// and the set of sleepers has stayed the same for a while. Async code reacts to a wake-up
    /// on other threads, so a test must let it run before it looks or moves the clock again.
    func settle(busy: () -> Bool = { false }) async {
        var previous: [Int] = []
        var stablePolls = 0
        for _ in 0..<1000 {
            let current = state.withLock { $0.sleepers.map(\.id).sorted() }
            stablePolls = current == previous && !busy() ? stablePolls + 1 : 0
            previous = current
            // Nobody asleep may mean someone is about to be: wait longer before believing it.
            if stablePolls >= (current.isEmpty ? 10 : 3) { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Jumps from one sleeper's deadline to the next, letting everyone react in between, until
    /// `condition` holds or `limit` of manual time has passed. Returns whether it held.
    @discardableResult
    func run(for limit: Duration, busy: () -> Bool = { false }, until condition: () -> Bool = { false }) async -> Bool {
        let end = now.advanced(by: limit)
        while true {
            await settle(busy: busy)
            if condition() { return true }
            guard let next = nextDeadline, next <= end else {
                advance(to: end)
                await settle(busy: busy)
                return condition()
            }
            advance(to: next)
        }
    }
}

/// A value shared between tasks in tests.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value { mutex.withLock { $0 } }
    func withLock<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}

final class LeaderElectionClockTests: XCTestCase {
    func testSleepersWakeInOrderAsTheClockAdvances() async throws {
        let clock = ManualClock()
        let woke = Locked<[Int]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for seconds in [3, 1, 2] {
                group.addTask {
                    try await clock.sleep(for: .seconds(seconds))
                    woke.withLock { $0.append(seconds) }
                }
            }
            await clock.settle()
            XCTAssertEqual(clock.sleeperCount, 3)
            clock.advance(by: .milliseconds(1500))
            await clock.settle()
            XCTAssertEqual(woke.value, [1])
            clock.advance(by: .seconds(2))
            try await group.waitForAll()
            XCTAssertEqual(woke.withLock { Set($0) }, [1, 2, 3])
        }
    }

    func testCancellationWakesASleeperWithAnError() async {
        let clock = ManualClock()
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await clock.sleep(for: .seconds(60))
                    return false
                } catch {
                    return error is CancellationError
                }
            }
            await clock.settle()
            group.cancelAll()
            let threw = await group.next()
            XCTAssertEqual(threw, true)
            XCTAssertEqual(clock.sleeperCount, 0)
        }
    }
}
