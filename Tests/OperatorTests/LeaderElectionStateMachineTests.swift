import Foundation
import KubeClient
@testable import Operator
import XCTest

/// The election's decisions, driven by a manual clock: client-go's timings (lease 15 s, renew
/// deadline 10 s, retry 2 s) unless a test says otherwise.
final class LeaderElectionStateMachineTests: XCTestCase {
    typealias Machine = LeaderElectionStateMachine<ManualClock.Instant>

    let clock = ManualClock()
    /// The wall clock only labels what is written; it is deliberately unrelated to `clock`.
    let wall = Date(timeIntervalSince1970: 1_700_000_000)

    func machine(_ identity: String = "me") throws -> Machine {
        Machine(configuration: try LeaderElectionConfiguration(identity: identity))
    }

    /// A Lease as the apiserver would return it.
    func lease(holder: String?, version: Int, renew: String = "r", acquire: String = "a",
               durationSeconds: Int? = 15, transitions: Int? = 0) -> Lease {
        var metadata = ObjectMeta(name: "ncn-operator-leader", namespace: "ncn-system")
        metadata.resourceVersion = String(version)
        return Lease(metadata: metadata, spec: Lease.Spec(holderIdentity: holder, leaseDurationSeconds: durationSeconds,
                                                          acquireTime: acquire, renewTime: renew, leaseTransitions: transitions))
    }

    /// What the apiserver makes of a write: the same object under a new resourceVersion.
    func stored(_ action: Machine.Action?, version: Int, file: StaticString = #filePath, line: UInt = #line) -> Lease {
        switch action {
        case let .update(lease)?:
            var lease = lease
            lease.metadata.resourceVersion = String(version)
            return lease
        case let .create(spec)?:
            var metadata = ObjectMeta(name: "ncn-operator-leader", namespace: "ncn-system")
            metadata.resourceVersion = String(version)
            return Lease(metadata: metadata, spec: spec)
        default:
            XCTFail("expected a write, got \(String(describing: action))", file: file, line: line)
            return lease(holder: nil, version: version)
        }
    }

    func isWrite(_ action: Machine.Action) -> Bool {
        switch action {
        case .create, .update: return true
        case .wait, .startedLeading, .stoppedLeading: return false
        }
    }

    /// A machine that created the Lease at the current time and leads; returns the stored Lease.
    func leading(_ machine: inout Machine, version: Int = 1) -> Lease {
        let create = machine.observed(nil, now: clock.now, wallClock: wall)
        let stored = stored(create.first, version: version)
        XCTAssertEqual(machine.writeSucceeded(stored, now: clock.now), [.startedLeading, .wait(.seconds(2))])
        return stored
    }

    // MARK: Acquiring

    func testCreatesAnAbsentLeaseAndLeadsOnceTheCreateSucceeds() throws {
        var machine = try machine()
        XCTAssertEqual(machine.start(), [.wait(.zero)])
        let actions = machine.observed(nil, now: clock.now, wallClock: wall)
        let stamp = MicroTime.format(wall)
        XCTAssertEqual(actions, [.create(Lease.Spec(holderIdentity: "me", leaseDurationSeconds: 15,
                                                     acquireTime: stamp, renewTime: stamp, leaseTransitions: 0))])
        XCTAssertFalse(machine.isLeading, "not before the apiserver said yes")
        XCTAssertNil(machine.leadershipDeadline)

        clock.advance(by: .milliseconds(300))
        let created = stored(actions.first, version: 1)
        XCTAssertEqual(machine.writeSucceeded(created, now: clock.now), [.startedLeading, .wait(.seconds(2))])
        XCTAssertTrue(machine.isLeading)
        XCTAssertEqual(machine.holderIdentity, "me")
        XCTAssertEqual(machine.leadershipDeadline, ManualClock.Instant(offset: .seconds(10)),
                       "the term counts from when the write was sent, not when it was answered")
    }

    func testLosingTheCreateRaceFollowsTheWinner() throws {
        var machine = try machine()
        _ = machine.observed(nil, now: clock.now, wallClock: wall)
        XCTAssertEqual(machine.writeFailed(.conflict, now: clock.now), [.wait(.zero)], "AlreadyExists: read the winner at once")
        XCTAssertEqual(machine.observed(lease(holder: "rival", version: 1), now: clock.now, wallClock: wall), [.wait(.seconds(2))])
        XCTAssertFalse(machine.isLeading)
        XCTAssertEqual(machine.holderIdentity, "rival")
    }

    func testAReleasedLeaseIsTakenOverAtOnceCountingATransition() throws {
        var machine = try machine()
        let vacant = lease(holder: nil, version: 7, durationSeconds: 1, transitions: 4)
        let actions = machine.observed(vacant, now: clock.now, wallClock: wall)
        guard case let .update(update)? = actions.first, actions.count == 1 else { return XCTFail("\(actions)") }
        XCTAssertEqual(update.metadata.resourceVersion, "7", "a compare-and-swap on what we read")
        XCTAssertEqual(update.spec?.holderIdentity, "me")
        XCTAssertEqual(update.spec?.leaseTransitions, 5)
        XCTAssertEqual(update.spec?.leaseDurationSeconds, 15)
        XCTAssertEqual(update.spec?.acquireTime, MicroTime.format(wall))
        XCTAssertEqual(machine.writeSucceeded(stored(actions.first, version: 8), now: clock.now), [.startedLeading, .wait(.seconds(2))])
    }

    // MARK: Renewing

    func testTheLeaderRenewsEveryRetryPeriodKeepingItsTerm() throws {
        var machine = try machine()
        var current = leading(&machine)
        let acquired = current.spec?.acquireTime
        for round in 1...5 {
            clock.advance(by: .seconds(2))
            let later = wall.addingTimeInterval(Double(round))
            let actions = machine.observed(current, now: clock.now, wallClock: later)
            guard case let .update(update)? = actions.first, actions.count == 1 else { return XCTFail("\(actions)") }
            XCTAssertEqual(update.metadata.resourceVersion, current.metadata.resourceVersion)
            XCTAssertEqual(update.spec?.holderIdentity, "me")
            XCTAssertEqual(update.spec?.acquireTime, acquired, "a renewal keeps the term's acquireTime")
            XCTAssertEqual(update.spec?.renewTime, MicroTime.format(later))
            XCTAssertEqual(update.spec?.leaseTransitions, 0)
            current = stored(actions.first, version: round + 1)
            clock.advance(by: .milliseconds(100))
            XCTAssertEqual(machine.writeSucceeded(current, now: clock.now), [.wait(.seconds(2))], "no second startedLeading")
            XCTAssertEqual(machine.leadershipDeadline, clock.now.advanced(by: .milliseconds(9900)))
        }
        XCTAssertTrue(machine.isLeading)
    }

    func testARestartedReplicaFindingItsOwnNameResumesLeadingAtOnce() throws {
        var machine = try machine()
        let ours = lease(holder: "me", version: 30, acquire: "then", transitions: 3)
        let actions = machine.observed(ours, now: clock.now, wallClock: wall)
        guard case let .update(update)? = actions.first, actions.count == 1 else { return XCTFail("\(actions)") }
        XCTAssertEqual(update.spec?.acquireTime, "then")
        XCTAssertEqual(update.spec?.leaseTransitions, 3, "the same holder: no transition")
        XCTAssertEqual(machine.writeSucceeded(stored(actions.first, version: 31), now: clock.now), [.startedLeading, .wait(.seconds(2))])
    }

    // MARK: Following and taking over

    func testAFollowerTakesOverAStaleLeaseExactlyAfterItsDurationAsObservedLocally() throws {
        var machine = try machine()
        let theirs = lease(holder: "old", version: 5, transitions: 2)
        XCTAssertEqual(machine.observed(theirs, now: clock.now, wallClock: wall), [.wait(.seconds(2))])
        var waited: Duration = .zero
        while true {
            clock.advance(by: waited == .zero ? .seconds(2) : waited)
            let actions = machine.observed(theirs, now: clock.now, wallClock: wall)
            guard case let .wait(next)? = actions.first else {
                XCTAssertEqual(clock.now, ManualClock.Instant(offset: .seconds(15)), "neither earlier nor later than leaseDuration")
                guard case let .update(update)? = actions.first else { return XCTFail("\(actions)") }
                XCTAssertEqual(update.metadata.resourceVersion, "5")
                XCTAssertEqual(update.spec?.holderIdentity, "me")
                XCTAssertEqual(update.spec?.leaseTransitions, 3)
                break
            }
            XCTAssertLessThan(clock.now, ManualClock.Instant(offset: .seconds(15)))
            XCTAssertFalse(machine.isLeading)
            waited = next
        }
    }

    func testAFollowerNeverTakesOverALeaseThatKeepsChanging() throws {
        var machine = try machine()
        for renewal in 0..<200 {
            let theirs = lease(holder: "alive", version: 100 + renewal, renew: "renewal-\(renewal)")
            let actions = machine.observed(theirs, now: clock.now, wallClock: wall)
            XCTAssertFalse(actions.contains(where: isWrite), "round \(renewal): \(actions)")
            clock.advance(by: .seconds(2))
        }
        XCTAssertFalse(machine.isLeading)
    }

    func testTheRemoteRenewTimeIsNeverComparedWithOurClock() throws {
        // The holder's wall clock is decades behind ours; its renewals still count.
        var machine = try machine()
        for renewal in 0..<20 {
            let skewed = lease(holder: "skewed", version: renewal + 1, renew: "1990-01-01T00:00:\(10 + renewal).000000Z")
            XCTAssertFalse(machine.observed(skewed, now: clock.now, wallClock: wall).contains(where: isWrite))
            clock.advance(by: .seconds(5))
        }
        // A dead holder whose clock runs far ahead is still replaced once its record stays put.
        var fresh = try self.machine()
        let future = lease(holder: "ahead", version: 99, renew: "2999-01-01T00:00:00.000000Z")
        XCTAssertFalse(fresh.observed(future, now: clock.now, wallClock: wall).contains(where: isWrite))
        clock.advance(by: .seconds(15))
        XCTAssertTrue(fresh.observed(future, now: clock.now, wallClock: wall).contains(where: isWrite))
    }

    func testAnyWriteToTheLeaseCountsAsASignOfLife() throws {
        // A holder with a stuck wall clock renews with identical specs; only the version moves.
        var machine = try machine()
        for version in 1...20 {
            let stuck = lease(holder: "stuck-clock", version: version, renew: "same")
            XCTAssertFalse(machine.observed(stuck, now: clock.now, wallClock: wall).contains(where: isWrite))
            clock.advance(by: .seconds(2))
        }
    }

    func testTheHoldersOwnLeaseDurationIsHonoured() throws {
        var machine = try machine()
        let patient = lease(holder: "patient", version: 1, durationSeconds: 40)
        XCTAssertEqual(machine.observed(patient, now: clock.now, wallClock: wall), [.wait(.seconds(2))])
        clock.advance(by: .seconds(39))
        XCTAssertEqual(machine.observed(patient, now: clock.now, wallClock: wall), [.wait(.seconds(1))])
        clock.advance(by: .seconds(1))
        XCTAssertTrue(machine.observed(patient, now: clock.now, wallClock: wall).contains(where: isWrite))

        // Without a duration in the record, ours applies.
        var other = try self.machine()
        let bare = lease(holder: "bare", version: 1, durationSeconds: nil)
        _ = other.observed(bare, now: clock.now, wallClock: wall)
        clock.advance(by: .seconds(15))
        XCTAssertTrue(other.observed(bare, now: clock.now, wallClock: wall).contains(where: isWrite))
    }

    func testLosingATakeoverRaceFollowsTheWinner() throws {
        var machine = try machine()
        let stale = lease(holder: "dead", version: 1)
        _ = machine.observed(stale, now: clock.now, wallClock: wall)
        clock.advance(by: .seconds(15))
        XCTAssertTrue(machine.observed(stale, now: clock.now, wallClock: wall).contains(where: isWrite))
        XCTAssertEqual(machine.writeFailed(.conflict, now: clock.now), [.wait(.zero)])
        let winner = lease(holder: "quicker", version: 2, transitions: 1)
        XCTAssertEqual(machine.observed(winner, now: clock.now, wallClock: wall), [.wait(.seconds(2))],
                       "a new holder starts a new observation: another full lease duration")
        clock.advance(by: .seconds(14))
        XCTAssertFalse(machine.observed(winner, now: clock.now, wallClock: wall).contains(where: isWrite))
    }

    func testConflictsAreReReadAtOnceButNotTwiceInARow() throws {
        var machine = try machine()
        let current = leading(&machine)
        clock.advance(by: .seconds(2))
        _ = machine.observed(current, now: clock.now, wallClock: wall)
        XCTAssertEqual(machine.writeFailed(.conflict, now: clock.now), [.wait(.zero)])
        _ = machine.observed(current, now: clock.now, wallClock: wall)
        XCTAssertEqual(machine.writeFailed(.conflict, now: clock.now), [.wait(.seconds(2))], "two writers racing must not spin")
        clock.advance(by: .seconds(2))
        _ = machine.observed(current, now: clock.now, wallClock: wall)
        XCTAssertEqual(machine.writeSucceeded(stored(.update(current), version: 9), now: clock.now), [.wait(.seconds(2))])
        _ = machine.observed(current, now: clock.now, wallClock: wall)
        XCTAssertEqual(machine.writeFailed(.conflict, now: clock.now), [.wait(.zero)], "a success resets the guard")
    }

    // MARK: Losing leadership

    func testALeaderThatCannotRenewStopsAtTheRenewDeadline() throws {
        var machine = try machine()
        _ = leading(&machine)
        var stoppedAt: ManualClock.Instant?
        var wait: Duration = .seconds(2)
        while stoppedAt == nil {
            clock.advance(by: wait)
            let actions = machine.readFailed(now: clock.now)
            if actions.first == .stoppedLeading(.renewDeadlineExceeded) {
                stoppedAt = clock.now
                XCTAssertEqual(actions, [.stoppedLeading(.renewDeadlineExceeded), .wait(.seconds(2))])
            } else {
                XCTAssertTrue(machine.isLeading)
                guard case let .wait(next)? = actions.first else { return XCTFail("\(actions)") }
                XCTAssertLessThanOrEqual(clock.now.advanced(by: next), ManualClock.Instant(offset: .seconds(10)),
                                         "a leader never sleeps past its deadline")
                wait = next
            }
        }
        XCTAssertEqual(stoppedAt, ManualClock.Instant(offset: .seconds(10)))
        XCTAssertFalse(machine.isLeading)
        XCTAssertNil(machine.leadershipDeadline)
    }

    func testFailedRenewalWritesDoNotExtendTheTerm() throws {
        var machine = try machine()
        let current = leading(&machine)
        // Attempts at 2, 4.5 and 7 s, each refused half a second later.
        for _ in 0..<3 {
            clock.advance(by: .seconds(2))
            XCTAssertTrue(machine.observed(current, now: clock.now, wallClock: wall).contains(where: isWrite))
            clock.advance(by: .milliseconds(500))
            XCTAssertEqual(machine.writeFailed(.other, now: clock.now), [.wait(.seconds(2))])
            XCTAssertTrue(machine.isLeading)
        }
        // t = 10 s: the deadline set by the create at t = 0, however many attempts were made.
        clock.advance(by: .milliseconds(2500))
        XCTAssertEqual(machine.observed(current, now: clock.now, wallClock: wall).first, .stoppedLeading(.renewDeadlineExceeded))
    }

    func testARenewalAnsweredAfterTheDeadlineDoesNotCount() throws {
        var machine = try machine()
        let current = leading(&machine)
        clock.advance(by: .seconds(2))
        let renewal = machine.observed(current, now: clock.now, wallClock: wall)
        clock.advance(by: .seconds(11))  // the apiserver answers 11 s later
        XCTAssertEqual(machine.writeSucceeded(stored(renewal.first, version: 2), now: clock.now),
                       [.stoppedLeading(.renewDeadlineExceeded), .wait(.zero)])
        // The Lease is still ours, so the next round renews it and starts a fresh term.
        let again = machine.observed(stored(renewal.first, version: 2), now: clock.now, wallClock: wall)
        XCTAssertEqual(machine.writeSucceeded(stored(again.first, version: 3), now: clock.now), [.startedLeading, .wait(.seconds(2))])
    }

    func testAClockJumpPastTheDeadlineStopsTheLeaderBeforeAnythingElse() throws {
        // The process was frozen for a minute (VM paused, SIGSTOP): whatever it reads next, it
        // must first stop acting, because a successor may well be running by now.
        var machine = try machine()
        let current = leading(&machine)
        clock.advance(by: .seconds(60))
        let actions = machine.observed(current, now: clock.now, wallClock: wall)
        XCTAssertEqual(actions.first, .stoppedLeading(.renewDeadlineExceeded))
        XCTAssertTrue(actions.dropFirst().contains(where: isWrite), "it is still ours: renew, then lead again")
        XCTAssertEqual(machine.writeSucceeded(stored(actions.last, version: 2), now: clock.now), [.startedLeading, .wait(.seconds(2))])
    }

    func testAClockJumpOfAFollowerJudgesTheRecordItFindsOnWaking() throws {
        var machine = try machine()
        _ = machine.observed(lease(holder: "leader", version: 1), now: clock.now, wallClock: wall)
        clock.advance(by: .seconds(100))
        // The leader renewed while we slept: a new record, a new observation.
        let renewed = lease(holder: "leader", version: 2, renew: "later")
        XCTAssertFalse(machine.observed(renewed, now: clock.now, wallClock: wall).contains(where: isWrite))
        clock.advance(by: .seconds(100))
        // Nothing changed for 100 s: the leader is gone.
        XCTAssertTrue(machine.observed(renewed, now: clock.now, wallClock: wall).contains(where: isWrite))
    }

    func testAnotherHolderInTheLeaseStopsTheLeaderAtOnce() throws {
        var machine = try machine()
        _ = leading(&machine)
        clock.advance(by: .seconds(2))
        let usurped = lease(holder: "usurper", version: 2)
        XCTAssertEqual(machine.observed(usurped, now: clock.now, wallClock: wall),
                       [.stoppedLeading(.takenOver(by: "usurper")), .wait(.seconds(2))])
        XCTAssertFalse(machine.isLeading)
        XCTAssertEqual(machine.holderIdentity, "usurper")
    }

    func testAVacatedLeaseStopsTheLeaderThenItCompetesAgain() throws {
        var machine = try machine()
        _ = leading(&machine)
        clock.advance(by: .seconds(2))
        let deleted = machine.observed(nil, now: clock.now, wallClock: wall)
        XCTAssertEqual(deleted.first, .stoppedLeading(.leaseVacated))
        guard case .create? = deleted.last else { return XCTFail("\(deleted)") }
        XCTAssertEqual(machine.writeSucceeded(stored(deleted.last, version: 50), now: clock.now), [.startedLeading, .wait(.seconds(2))])

        clock.advance(by: .seconds(2))
        let cleared = machine.observed(lease(holder: nil, version: 51, transitions: 0), now: clock.now, wallClock: wall)
        XCTAssertEqual(cleared.first, .stoppedLeading(.leaseVacated))
        XCTAssertTrue(cleared.dropFirst().contains(where: isWrite))
    }

    // MARK: Stopping and releasing

    func testStopReleasesTheLeaseWeHold() throws {
        var machine = try machine()
        _ = leading(&machine)
        clock.advance(by: .seconds(2))
        let renewal = machine.observed(lease(holder: "me", version: 2, transitions: 6), now: clock.now, wallClock: wall)
        let current = stored(renewal.first, version: 3)
        XCTAssertEqual(machine.writeSucceeded(current, now: clock.now), [.wait(.seconds(2))])
        let later = wall.addingTimeInterval(42)
        let actions = machine.stop(release: true, now: clock.now, wallClock: later)
        XCTAssertEqual(actions.first, .stoppedLeading(.shutdown))
        guard case let .update(release)? = actions.last, actions.count == 2 else { return XCTFail("\(actions)") }
        XCTAssertEqual(release.metadata.resourceVersion, current.metadata.resourceVersion)
        XCTAssertNil(release.spec?.holderIdentity)
        XCTAssertEqual(release.spec?.leaseDurationSeconds, 1)
        XCTAssertEqual(release.spec?.renewTime, MicroTime.format(later))
        XCTAssertEqual(release.spec?.leaseTransitions, 6)
        XCTAssertFalse(machine.isLeading)
        XCTAssertFalse(machine.isStopped)
        XCTAssertEqual(machine.writeSucceeded(stored(actions.last, version: 9), now: clock.now), [])
        XCTAssertTrue(machine.isStopped)
        XCTAssertNil(machine.holderIdentity)
        XCTAssertEqual(machine.observed(nil, now: clock.now, wallClock: wall), [], "stopped means stopped")
    }

    func testStopWithoutReleaseLeavesTheLeaseToExpire() throws {
        var machine = try machine()
        _ = leading(&machine)
        XCTAssertEqual(machine.stop(release: false, now: clock.now, wallClock: wall), [.stoppedLeading(.shutdown)])
        XCTAssertTrue(machine.isStopped)
    }

    func testAFollowerHasNothingToRelease() throws {
        var machine = try machine()
        _ = machine.observed(lease(holder: "leader", version: 1), now: clock.now, wallClock: wall)
        XCTAssertEqual(machine.stop(release: true, now: clock.now, wallClock: wall), [])
        XCTAssertTrue(machine.isStopped)
    }

    func testAReplicaThatLostByTheDeadlineStillReleasesALeaseNamingIt() throws {
        var machine = try machine()
        _ = leading(&machine)
        clock.advance(by: .seconds(10))
        XCTAssertEqual(machine.readFailed(now: clock.now).first, .stoppedLeading(.renewDeadlineExceeded))
        let actions = machine.stop(release: true, now: clock.now, wallClock: wall)
        guard case let .update(release)? = actions.first, actions.count == 1 else { return XCTFail("\(actions)") }
        XCTAssertNil(release.spec?.holderIdentity)
    }

    func testAReleaseThatConflictsIsRetriedOnceIfTheLeaseStillNamesUs() throws {
        var machine = try machine()
        _ = leading(&machine)
        _ = machine.stop(release: true, now: clock.now, wallClock: wall)
        XCTAssertEqual(machine.writeFailed(.conflict, now: clock.now), [.wait(.zero)])
        let ours = lease(holder: "me", version: 3)
        let retry = machine.observed(ours, now: clock.now, wallClock: wall)
        guard case let .update(release)? = retry.first, retry.count == 1 else { return XCTFail("\(retry)") }
        XCTAssertEqual(release.metadata.resourceVersion, "3")
        XCTAssertEqual(machine.writeFailed(.conflict, now: clock.now), [], "only once")
        XCTAssertTrue(machine.isStopped)

        var other = try self.machine()
        _ = leading(&other)
        _ = other.stop(release: true, now: clock.now, wallClock: wall)
        XCTAssertEqual(other.writeFailed(.conflict, now: clock.now), [.wait(.zero)])
        XCTAssertEqual(other.observed(lease(holder: "successor", version: 4), now: clock.now, wallClock: wall), [],
                       "someone else's by now: leave it alone")
        XCTAssertTrue(other.isStopped)

        var failing = try self.machine()
        _ = leading(&failing)
        _ = failing.stop(release: true, now: clock.now, wallClock: wall)
        XCTAssertEqual(failing.writeFailed(.other, now: clock.now), [], "the lease will expire on its own")
        XCTAssertTrue(failing.isStopped)
    }

    // MARK: Configuration and formats

    func testConfigurationRefusesTimingsThatCannotKeepLeadersApart() {
        XCTAssertNoThrow(try LeaderElectionConfiguration(identity: "a"))
        XCTAssertNoThrow(try LeaderElectionConfiguration(identity: "a", leaseDuration: .seconds(3),
                                                         renewDeadline: .seconds(2), retryPeriod: .milliseconds(500)))
        let invalid: [() throws -> LeaderElectionConfiguration] = [
            { try LeaderElectionConfiguration(identity: "") },
            { try LeaderElectionConfiguration(identity: "a", leaseDuration: .seconds(10), renewDeadline: .seconds(10)) },
            { try LeaderElectionConfiguration(identity: "a", renewDeadline: .seconds(2), retryPeriod: .seconds(2)) },
            { try LeaderElectionConfiguration(identity: "a", retryPeriod: .zero) },
            { try LeaderElectionConfiguration(identity: "a", leaseDuration: .milliseconds(900), renewDeadline: .milliseconds(500),
                                              retryPeriod: .milliseconds(100)) },
        ]
        for make in invalid {
            XCTAssertThrowsError(try make()) { error in
                XCTAssertEqual((error as? LeaderElectionError)?.code, .invalidConfiguration)
            }
        }
        let config = try? LeaderElectionConfiguration(identity: "a", leaseDuration: .milliseconds(2500),
                                                      renewDeadline: .seconds(2), retryPeriod: .milliseconds(500))
        XCTAssertEqual(config?.leaseDurationSeconds, 3, "rounded up: others never wait less than we promise")
        XCTAssertEqual(config?.namespace, "ncn-system")
        XCTAssertEqual(config?.leaseName, "ncn-operator", "the name the leader-election Role in manifests/ grants")
    }

    func testMicroTimeHasExactlySixFractionalDigitsInUTC() {
        XCTAssertEqual(MicroTime.format(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000000Z")
        XCTAssertEqual(MicroTime.format(Date(timeIntervalSince1970: 1_700_000_000.5)), "2023-11-14T22:13:20.500000Z")
        XCTAssertEqual(MicroTime.format(Date(timeIntervalSince1970: 1_700_000_000.25)), "2023-11-14T22:13:20.250000Z")
    }
}
