import Foundation
import KubeClient
@testable import Operator
import Synchronization
import XCTest

/// `LeaderElector` against an in-memory Lease and a manual clock: the work starts and stops
/// with leadership, a hung apiserver cannot keep a leader acting, and the Lease is released on
/// the way out. (The same against the real apiserver: `LeaderElectionIntegrationTests`.)
final class LeaderElectionElectorTests: XCTestCase {
    let clock = ManualClock()
    lazy var leases = InMemoryLeases(clock: clock)
    let events = Locked<[String: [LeaderElectionEvent]]>([:])

    func elector(_ identity: String = "me", releaseOnCancel: Bool = true) throws -> LeaderElector<ManualClock> {
        let configuration = try LeaderElectionConfiguration(identity: identity, releaseOnCancel: releaseOnCancel)
        return LeaderElector(leases: leases, configuration: configuration, clock: clock) { [events] event in
            events.withLock { $0[identity, default: []].append(event) }
        }
    }

    func events(of identity: String = "me") -> [LeaderElectionEvent] { events.value[identity] ?? [] }

    /// Steps the manual clock (see `ManualClock.run`) with the fake's calls counted as activity.
    @discardableResult
    func step(for limit: Duration, until condition: () -> Bool = { false }) async -> Bool {
        let leases = self.leases
        return await clock.run(for: limit, busy: { leases.busy }, until: condition)
    }

    func testLeadsRunsTheWorkRenewsAndReleasesWhenCancelled() async throws {
        let elector = try elector()
        let work = WorkLog(clock: clock)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await elector.run { try await work.run() } }
            let led = await step(for: .seconds(1)) { elector.isLeader && work.running == 1 }
            XCTAssertTrue(led, "an absent lease is created and the work started")
            XCTAssertEqual(leases.lease?.spec?.holderIdentity, "me")
            XCTAssertEqual(elector.currentLeader, "me")
            await step(for: .seconds(9))
            XCTAssertTrue(elector.isLeader)
            XCTAssertGreaterThanOrEqual(leases.writes.count, 5, "renewed every retryPeriod: \(leases.writes)")
            group.cancelAll()
            try await group.waitForAll()
        }
        XCTAssertFalse(elector.isLeader)
        XCTAssertEqual(work.starts.count, 1)
        XCTAssertEqual(work.ends.count, 1)
        XCTAssertNil(leases.lease?.spec?.holderIdentity, "released, though run was cancelled")
        XCTAssertEqual(leases.lease?.spec?.leaseDurationSeconds, 1)
        XCTAssertEqual(events(), [.leaderChanged("me"), .startedLeading, .stoppedLeading(.shutdown), .leaderChanged(nil)])
    }

    func testWithoutReleaseOnCancelTheLeaseStillNamesUs() async throws {
        let elector = try elector(releaseOnCancel: false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await elector.run { try await Task.sleep(for: .seconds(3600)) } }
            let led = await step(for: .seconds(1)) { elector.isLeader }
            XCTAssertTrue(led)
            group.cancelAll()
            try await group.waitForAll()
        }
        XCTAssertEqual(leases.lease?.spec?.holderIdentity, "me")
        XCTAssertEqual(events(), [.leaderChanged("me"), .startedLeading, .stoppedLeading(.shutdown)])
    }

    func testAHungApiserverStopsTheWorkAtTheRenewDeadlineAndLeadershipResumesLater() async throws {
        let elector = try elector()
        let work = WorkLog(clock: clock)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await elector.run { try await work.run() } }
            await step(for: .seconds(5)) { false }
            XCTAssertTrue(elector.isLeader)
            let lastRenewal = try XCTUnwrap(leases.writes.last)
            leases.setHanging(true)
            let stopped = await step(for: .seconds(30)) { work.running == 0 }
            XCTAssertTrue(stopped, "the work must stop although no call ever returns")
            XCTAssertEqual(work.ends.first, lastRenewal.advanced(by: .seconds(10)),
                           "exactly renewDeadline after the last renewal was sent")
            XCTAssertFalse(elector.isLeader)
            XCTAssertTrue(events().contains(.stoppedLeading(.renewDeadlineExceeded)))

            // The Lease still names us: once the apiserver answers again we lead again.
            leases.setHanging(false)
            let resumed = await step(for: .seconds(5)) { work.running == 1 }
            XCTAssertTrue(resumed)
            XCTAssertEqual(work.starts.count, 2)
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    func testTheWorkStopsAtOnceWhenTheLeaseIsTakenAndResumesWhenTheThiefGoesQuiet() async throws {
        let elector = try elector()
        let work = WorkLog(clock: clock)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await elector.run { try await work.run() } }
            await step(for: .seconds(3))
            XCTAssertTrue(elector.isLeader)
            let stolenAt = clock.now
            leases.edit { lease in
                lease?.spec?.holderIdentity = "thief"
                lease?.spec?.renewTime = "stolen"
            }
            let stopped = await step(for: .seconds(3)) { work.running == 0 }
            XCTAssertTrue(stopped)
            XCTAssertLessThanOrEqual(stolenAt.duration(to: try XCTUnwrap(work.ends.first)), .seconds(2), "at the next read")
            XCTAssertFalse(elector.isLeader)
            XCTAssertEqual(elector.currentLeader, "thief")

            // The thief never renews: after leaseDuration as we observe it, we take over again.
            let retaken = await step(for: .seconds(20)) { work.running == 1 }
            XCTAssertTrue(retaken)
            let restart = try XCTUnwrap(work.starts.last)
            XCTAssertGreaterThanOrEqual(stolenAt.duration(to: restart), .seconds(15))
            XCTAssertLessThanOrEqual(stolenAt.duration(to: restart), .seconds(17))
            XCTAssertEqual(leases.lease?.spec?.leaseTransitions, 1)
            group.cancelAll()
            try await group.waitForAll()
        }
        let stops = events().filter { if case .stoppedLeading = $0 { return true } else { return false } }
        XCTAssertEqual(stops, [.stoppedLeading(.takenOver(by: "thief")), .stoppedLeading(.shutdown)])
    }

    func testAFailingWorkEndsTheRunReleasesAndIsRethrown() async throws {
        struct Broken: Error {}
        let elector = try elector()
        let clock = self.clock
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await elector.run {
                    try await clock.sleep(for: .seconds(3))
                    throw Broken()
                }
            }
            await step(for: .seconds(5))
            do {
                try await group.waitForAll()
                XCTFail("the work's error must come out of run")
            } catch {
                XCTAssertTrue(error is Broken, "\(error)")
            }
        }
        XCTAssertNil(leases.lease?.spec?.holderIdentity)
        XCTAssertFalse(elector.isLeader)
        XCTAssertEqual(events().suffix(2), [.stoppedLeading(.shutdown), .leaderChanged(nil)])
    }

    func testAWorkThatReturnsEndsTheRun() async throws {
        let elector = try elector()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await elector.run {} }
            await step(for: .seconds(1))
            try await group.waitForAll()
        }
        XCTAssertNil(leases.lease?.spec?.holderIdentity)
    }

    func testRunIsNotReentrant() async throws {
        let elector = try elector()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await elector.run { try await Task.sleep(for: .seconds(3600)) } }
            await step(for: .seconds(1))
            do {
                try await elector.run {}
                XCTFail("a second run must be refused")
            } catch let error as LeaderElectionError {
                XCTAssertEqual(error.code, .alreadyRunning)
            }
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    func testTwoElectorsNeverLeadTogetherAndAReleaseHandsOverWithinARetryPeriod() async throws {
        let first = try elector("a")
        let second = try elector("b")
        let never = { first.isLeader && second.isLeader }
        try await withThrowingTaskGroup(of: Void.self) { outer in
            await withThrowingTaskGroup(of: Void.self) { inner in
                inner.addTask { try await first.run { try await Task.sleep(for: .seconds(3600)) } }
                let led = await step(for: .seconds(1)) { first.isLeader }
                XCTAssertTrue(led)
                outer.addTask { try await second.run { try await Task.sleep(for: .seconds(3600)) } }
                let together = await step(for: .seconds(40), until: never)
                XCTAssertFalse(together)
                XCTAssertTrue(first.isLeader)
                XCTAssertEqual(second.currentLeader, "a")
                inner.cancelAll()
            }
            let releasedAt = clock.now
            let handedOver = await step(for: .seconds(5)) { second.isLeader }
            XCTAssertTrue(handedOver)
            XCTAssertLessThanOrEqual(releasedAt.duration(to: clock.now), .seconds(2))
            outer.cancelAll()
            try await outer.waitForAll()
        }
        XCTAssertEqual(leases.lease?.spec?.leaseTransitions, 1)
    }
}

/// The work under election: records when it started and when it was cancelled.
final class WorkLog: Sendable {
    let clock: ManualClock
    private let state = Mutex<(starts: [ManualClock.Instant], ends: [ManualClock.Instant])>(([], []))

    init(clock: ManualClock) { self.clock = clock }

    var starts: [ManualClock.Instant] { state.withLock { $0.starts } }
    var ends: [ManualClock.Instant] { state.withLock { $0.ends } }
    var running: Int { state.withLock { $0.starts.count - $0.ends.count } }

    func run() async throws {
        state.withLock { $0.starts.append(clock.now) }
        defer { state.withLock { $0.ends.append(clock.now) } }
        try await Task.sleep(for: .seconds(3600))
    }
}

/// One Lease held in memory with the apiserver's compare-and-swap rules, whose calls can be
/// made to hang until cancelled.
final class InMemoryLeases: LeaseAccess {
    private struct State {
        var lease: Lease?
        var version = 0
        var hanging = false
        var inFlight = 0
        /// When each successful write was made, on the manual clock.
        var writes: [ManualClock.Instant] = []
    }

    private let clock: ManualClock
    private let state = Mutex(State())

    init(clock: ManualClock) { self.clock = clock }

    var lease: Lease? { state.withLock { $0.lease } }
    var writes: [ManualClock.Instant] { state.withLock { $0.writes } }
    /// A call is being answered (hung calls do not count: they wait for the clock).
    var busy: Bool { state.withLock { $0.inFlight > 0 } }

    func setHanging(_ hanging: Bool) { state.withLock { $0.hanging = hanging } }

    /// A change made by someone else, e.g. another replica.
    func edit(_ body: (inout Lease?) -> Void) {
        state.withLock { state in
            body(&state.lease)
            state.version += 1
            state.lease?.metadata.resourceVersion = String(state.version)
        }
    }

    func get(namespace: String, name: String) async throws -> Lease? {
        try await answer { $0.lease }
    }

    func create(_ lease: Lease) async throws -> Lease {
        try await answer { state in
            guard state.lease == nil else { throw Self.error(409, "AlreadyExists") }
            return Self.store(lease, in: &state, at: self.clock.now)
        }
    }

    func replace(_ lease: Lease) async throws -> Lease {
        try await answer { state in
            guard let current = state.lease else { throw Self.error(404, "NotFound") }
            guard current.metadata.resourceVersion == lease.metadata.resourceVersion else { throw Self.error(409, "Conflict") }
            return Self.store(lease, in: &state, at: self.clock.now)
        }
    }

    func isConflict(_ error: any Error) -> Bool {
        KubernetesLeaseAccess.isConflict(error)
    }

    private func answer<T>(_ body: (inout State) throws -> T) async throws -> T {
        let hang = state.withLock { state -> Bool in
            if !state.hanging { state.inFlight += 1 }
            return state.hanging
        }
        if hang {
            try await Task.sleep(for: .seconds(3600))  // until the elector gives up on us
        }
        return try state.withLock { state in
            defer { state.inFlight -= 1 }
            return try body(&state)
        }
    }

    private static func store(_ lease: Lease, in state: inout State, at now: ManualClock.Instant) -> Lease {
        state.version += 1
        var stored = lease
        stored.metadata.resourceVersion = String(state.version)
        state.lease = stored
        state.writes.append(now)
        return stored
    }

    private static func error(_ code: Int, _ reason: String) -> KubernetesError {
        KubernetesError(statusCode: code, status: APIStatus(reason: reason, code: code), method: "-", path: "/leases")
    }
}
