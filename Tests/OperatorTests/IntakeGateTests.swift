import ComputeAPI
import Foundation
import NostrBridge
@testable import Operator
import XCTest

final class IntakeGateTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    private func request(from key: SecretKey = .generate(), at date: Date? = nil, work: Int = 0) throws -> NostrEvent {
        let created = Int64((date ?? t0).timeIntervalSince1970)
        if work > 0 {
            return try NostrEvent.mine(kind: 5900, tags: [["param", "image", "busybox"]], content: "", createdAt: created, difficulty: work, with: key)
        }
        return try EventBuilder(kind: 5900, tags: [["param", "image", "busybox"]], createdAt: created).sign(with: key)
    }

    private func bid(_ tenant: String, work: Int = 0, age: TimeInterval = 10) -> IntakeGate.UnpaidBid {
        IntakeGate.UnpaidBid(requestID: UUID().uuidString, tenant: tenant, proofOfWork: work, createdAt: t0.addingTimeInterval(-age))
    }

    func testOldFutureAndWorklessRequestsAreIgnoredUnread() throws {
        var gate = IntakeGate()
        let settings = IntakeSettings(minProofOfWork: 4, maxRequestAgeSeconds: 600)
        XCTAssertEqual(gate.screen(try request(at: t0.addingTimeInterval(-601), work: 4), settings: settings, now: t0),
                       .ignore("older than 600 s"))
        XCTAssertEqual(gate.screen(try request(at: t0.addingTimeInterval(120), work: 4), settings: settings, now: t0), .ignore("dated in the future"))
        XCTAssertEqual(gate.screen(try request(), settings: settings, now: t0), .ignore("less than 4 bits of proof of work"))
        XCTAssertEqual(gate.screen(try request(work: 4), settings: settings, now: t0), .admit)
    }

    func testEachKeyHasItsOwnRequestRate() throws {
        var gate = IntakeGate()
        let settings = IntakeSettings(requestsPerMinutePerTenant: 3)
        let spammer = SecretKey.generate()
        for _ in 0..<3 { XCTAssertEqual(gate.screen(try request(from: spammer), settings: settings, now: t0), .admit) }
        XCTAssertEqual(gate.screen(try request(from: spammer), settings: settings, now: t0),
                       .ignore("more than 3 requests a minute from this key"))
        XCTAssertEqual(gate.screen(try request(), settings: settings, now: t0), .admit, "another key is not slowed")
        // One token back every 20 s.
        XCTAssertEqual(gate.screen(try request(from: spammer, at: t0.addingTimeInterval(20)), settings: settings, now: t0.addingTimeInterval(20)), .admit)
    }

    func testTheRateMemoryIsBounded() throws {
        var gate = IntakeGate()
        let settings = IntakeSettings(requestsPerMinutePerTenant: 1)
        let event = try request()
        // Many keys, each once: the gate forgets idle ones rather than growing without end.
        for i in 0..<(IntakeGate.trackedTenants + 10) {
            var copy = event
            copy.pubkey = String(format: "%064x", i)
            _ = gate.screen(copy, settings: settings, now: t0.addingTimeInterval(TimeInterval(i) * 0.01))
        }
        XCTAssertLessThanOrEqual(gate.trackedCount, IntakeGate.trackedTenants)
    }

    func testUnpaidBidsAreCappedPerTenantAndInTotal() {
        let gate = IntakeGate()
        let settings = IntakeSettings(maxUnpaidBidsPerTenant: 2, maxUnpaidBids: 4)
        let mine = [bid("me"), bid("me")]
        guard case .refuse(_, .busy) = gate.admitBid(tenant: "me", proofOfWork: 30, unpaid: mine, settings: settings) else {
            return XCTFail("a third unpaid bid of one tenant")
        }
        XCTAssertEqual(gate.admitBid(tenant: "you", proofOfWork: 0, unpaid: mine, settings: settings), .admit)

        // All four slots taken by bids with 3 bits of work: equal work is refused, more work takes
        // the place of the weakest (oldest among the least work).
        let full = [bid("a", work: 5, age: 100), bid("b", work: 3, age: 50), bid("c", work: 3, age: 200), bid("d", work: 8, age: 300)]
        guard case let .refuse(message, .busy) = gate.admitBid(tenant: "you", proofOfWork: 3, unpaid: full, settings: settings) else {
            return XCTFail("equal work must not push out a bid")
        }
        XCTAssertTrue(message.contains("at least 4 bits"), message)
        XCTAssertEqual(gate.admitBid(tenant: "you", proofOfWork: 4, unpaid: full, settings: settings), .admitReplacing(requestID: full[2].requestID))
    }

    func testRefusalsHaveABudget() {
        var gate = IntakeGate()
        let settings = IntakeSettings(errorRepliesPerSecond: 5)
        let sent = (0..<100).filter { _ in gate.mayRefuse(settings: settings, now: t0) }.count
        XCTAssertEqual(sent, 10, "a burst of twice the rate, then nothing")
        XCTAssertTrue(gate.mayRefuse(settings: settings, now: t0.addingTimeInterval(0.2)))
        XCTAssertFalse(gate.mayRefuse(settings: IntakeSettings(errorRepliesPerSecond: 0), now: t0.addingTimeInterval(10)))
    }

    func testBidsNotYetInTheStoreCount() {
        var gate = IntakeGate()
        let made = bid("me", age: 0)
        gate.recordBid(made)
        XCTAssertEqual(gate.recentBids(excluding: [], now: t0, bidLifetime: 300), [made])
        XCTAssertEqual(gate.recentBids(excluding: [made.requestID], now: t0, bidLifetime: 300), [], "the store shows it now")
        gate.recordBid(made)
        XCTAssertEqual(gate.recentBids(excluding: [], now: t0.addingTimeInterval(60), bidLifetime: 300), [made],
                       "the store may lag many seconds under load")
        XCTAssertEqual(gate.recentBids(excluding: [], now: t0.addingTimeInterval(301), bidLifetime: 300), [],
                       "never shown (paid and deleted before anyone looked): forgotten when the bid would have expired")
    }

    func testAWithdrawnBidStopsCountingUntilItsLeaseHasEnded() {
        var gate = IntakeGate()
        let weak = bid("me", age: 0)
        gate.recordBid(weak)
        gate.withdrawBid(weak.requestID, now: t0)
        XCTAssertEqual(gate.recentBids(excluding: [], now: t0, bidLifetime: 300), [], "no longer a bid of ours")
        XCTAssertTrue(gate.isWithdrawn(weak.requestID, now: t0.addingTimeInterval(10), bidLifetime: 300),
                      "its lease still looks unpaid in the store until the controller ends it")
        XCTAssertFalse(gate.isWithdrawn(weak.requestID, now: t0.addingTimeInterval(301), bidLifetime: 300))
        XCTAssertFalse(gate.isWithdrawn("other", now: t0, bidLifetime: 300))
    }

    func testAdmittingABidHoldsItsSlotAtOnce() {
        var gate = IntakeGate()
        let settings = IntakeSettings(maxUnpaidBidsPerTenant: 2, maxUnpaidBids: 3)
        let stored = [bid("a")]
        let known = Set(stored.map(\.requestID))
        // Two requests from one tenant decided one after the other before either lease exists:
        // the second sees the first's slot taken.
        let first = bid("me", age: 0), second = bid("me", age: 0), third = bid("me", age: 0)
        XCTAssertEqual(gate.admitAndHold(first, stored: stored, known: known, settings: settings, now: t0, bidLifetime: 300), .admit)
        XCTAssertTrue(gate.holdsBid(first.requestID))
        XCTAssertEqual(gate.admitAndHold(second, stored: stored, known: known, settings: settings, now: t0, bidLifetime: 300), .admit)
        guard case .refuse(_, .busy) = gate.admitAndHold(third, stored: stored, known: known, settings: settings, now: t0, bidLifetime: 300) else {
            return XCTFail("a third unpaid bid from the same tenant")
        }
        XCTAssertFalse(gate.holdsBid(third.requestID), "a refused bid holds nothing")
        // The second's lease could not be made: its slot is free again.
        gate.releaseBid(second.requestID)
        XCTAssertEqual(gate.admitAndHold(third, stored: stored, known: known, settings: settings, now: t0, bidLifetime: 300), .admit)
        XCTAssertEqual(Set(gate.unpaidBids(stored: stored, known: known, now: t0, bidLifetime: 300).map(\.requestID)),
                       Set([stored[0].requestID, first.requestID, third.requestID]))
    }

    func testTheWeakestBidIsReplacedOnceNotByEveryStrongerRequest() {
        var gate = IntakeGate()
        let settings = IntakeSettings(maxUnpaidBidsPerTenant: 5, maxUnpaidBids: 2)
        let weak = bid("a", work: 0), strong = bid("b", work: 8)
        let stored = [weak, strong]
        let known = Set(stored.map(\.requestID))
        let challenger = bid("c", work: 4, age: 0), another = bid("d", work: 4, age: 0)
        XCTAssertEqual(gate.admitAndHold(challenger, stored: stored, known: known, settings: settings, now: t0, bidLifetime: 300),
                       .admitReplacing(requestID: weak.requestID))
        // The withdrawn bid is out at once: the next request with the same work finds the
        // challenger (equal work) and the strong bid, and is refused rather than withdrawing the
        // same bid again.
        guard case .refuse(_, .busy) = gate.admitAndHold(another, stored: stored, known: known, settings: settings, now: t0, bidLifetime: 300) else {
            return XCTFail("the slot freed by the withdrawal was taken by the challenger")
        }
    }
}
