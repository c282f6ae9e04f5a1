@testable import Billing
import Foundation
import XCTest

/// A clock that moves only when the test moves it.
private struct MockClock {
    var now: Date
    mutating func advance(_ seconds: TimeInterval) { now = now.addingTimeInterval(seconds) }
}

final class PaymentDeadlinesTests: XCTestCase {
    private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    private var deadlines: PaymentDeadlines {
        PaymentDeadlines(terms: try! BillingTerms(intervalSeconds: 600, graceSeconds: 60, invoiceLeadSeconds: 120, pricePerIntervalMsats: 50_000))
    }

    func testTheFirstInvoiceIsIssuedOnceBeforeAnyPayment() {
        XCTAssertEqual(deadlines.decide(startedAt: nil, paidUntil: nil, invoicedTranches: [], now: t0),
                       PaymentDecision(state: .awaitingFirstPayment, invoiceTranche: 0, enforce: false, nextCheck: nil))
        XCTAssertNil(deadlines.decide(startedAt: nil, paidUntil: nil, invoicedTranches: [0], now: t0).invoiceTranche)
    }

    func testEverySecondOfATrancheHasExactlyOneState() {
        let paidUntil = t0.addingTimeInterval(600)
        var states: [PaymentState] = []
        for second in stride(from: 0, through: 700, by: 1) {
            let decision = deadlines.decide(startedAt: t0, paidUntil: paidUntil, invoicedTranches: [0], now: t0.addingTimeInterval(TimeInterval(second)))
            if states.last != decision.state { states.append(decision.state) }
            switch second {
            case ..<480: XCTAssertEqual(decision.state, .funded, "at \(second)")
            case 480..<600: XCTAssertEqual(decision.state, .invoiceDue, "at \(second)")
            case 600..<660: XCTAssertEqual(decision.state, .grace, "at \(second)")
            default: XCTAssertEqual(decision.state, .unpaid, "at \(second)")
            }
        }
        XCTAssertEqual(states, [.funded, .invoiceDue, .grace, .unpaid])
    }

    func testNextCheckIsAlwaysTheNextBoundary() {
        let paidUntil = t0.addingTimeInterval(600)
        XCTAssertEqual(deadlines.decide(startedAt: t0, paidUntil: paidUntil, invoicedTranches: [0], now: t0).nextCheck, t0.addingTimeInterval(480))
        XCTAssertEqual(deadlines.decide(startedAt: t0, paidUntil: paidUntil, invoicedTranches: [0, 1], now: t0.addingTimeInterval(500)).nextCheck, paidUntil)
        XCTAssertEqual(deadlines.decide(startedAt: t0, paidUntil: paidUntil, invoicedTranches: [0, 1], now: paidUntil).nextCheck, t0.addingTimeInterval(660))
        XCTAssertNil(deadlines.decide(startedAt: t0, paidUntil: paidUntil, invoicedTranches: [0, 1], now: t0.addingTimeInterval(660)).nextCheck)
    }

    /// A driver ticking every 7 s through five paid tranches and then a tenant who stops paying:
    /// one invoice per tranche, payments keep it running, enforcement comes exactly at lapse.
    func testAStreamingLeaseGetsOneInvoicePerTrancheAndIsEnforcedWhenPaymentStops() {
        var clock = MockClock(now: t0)
        var issued: [Int: Int] = [:]
        let startedAt = t0
        var paidUntil = deadlines.creditingOneTranche(paidUntil: nil, paidAt: t0)
        var enforcedAt: Date?
        issued[0] = 1
        while enforcedAt == nil, clock.now < t0.addingTimeInterval(5000) {
            let decision = deadlines.decide(startedAt: startedAt, paidUntil: paidUntil, invoicedTranches: Set(issued.keys), now: clock.now)
            if let tranche = decision.invoiceTranche {
                issued[tranche, default: 0] += 1
            }
            // The tenant pays each invoice 30 s after it appears, for tranches 1 to 4 only.
            let due = Int((paidUntil.timeIntervalSince(startedAt) / 600).rounded())
            if due <= 4, issued[due] != nil, decision.state == .invoiceDue, clock.now >= paidUntil.addingTimeInterval(-90) {
                paidUntil = deadlines.creditingOneTranche(paidUntil: paidUntil, paidAt: clock.now)
            }
            if decision.enforce { enforcedAt = clock.now }
            clock.advance(7)
        }
        XCTAssertEqual(paidUntil, t0.addingTimeInterval(3000), "five tranches paid")
        XCTAssertEqual(issued, [0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1], "one invoice per tranche, including the unpaid sixth")
        let enforced = try! XCTUnwrap(enforcedAt)
        XCTAssertGreaterThanOrEqual(enforced, t0.addingTimeInterval(3060))
        XCTAssertLessThan(enforced, t0.addingTimeInterval(3067), "enforced within one tick of paid-until plus grace")
    }

    func testClockJumpsNeverIssueTwiceAndAJumpPastGraceEnforcesAtOnce() {
        let paidUntil = t0.addingTimeInterval(600)
        let due = deadlines.decide(startedAt: t0, paidUntil: paidUntil, invoicedTranches: [0], now: t0.addingTimeInterval(500))
        XCTAssertEqual(due.invoiceTranche, 1)
        // The clock steps back (NTP), then forward again: tranche 1 already has its invoice.
        let back = deadlines.decide(startedAt: t0, paidUntil: paidUntil, invoicedTranches: [0, 1], now: t0.addingTimeInterval(100))
        XCTAssertEqual(back.state, .funded)
        XCTAssertNil(deadlines.decide(startedAt: t0, paidUntil: paidUntil, invoicedTranches: [0, 1], now: t0.addingTimeInterval(550)).invoiceTranche)
        // Suspended for an hour: nothing to invoice any more, only enforcement.
        let jumped = deadlines.decide(startedAt: t0, paidUntil: paidUntil, invoicedTranches: [0], now: t0.addingTimeInterval(3600))
        XCTAssertEqual(jumped, PaymentDecision(state: .unpaid, invoiceTranche: nil, enforce: true, nextCheck: nil))
    }

    func testARestartMidStateDecidesExactlyAsBefore() {
        let paidUntil = t0.addingTimeInterval(1200)
        for second in [0, 1000, 1100, 1199, 1200, 1230, 1260, 1300] {
            let now = t0.addingTimeInterval(TimeInterval(second))
            let before = deadlines.decide(startedAt: t0, paidUntil: paidUntil, invoicedTranches: [0, 1], now: now)
            let afterRestart = PaymentDeadlines(terms: deadlines.terms).decide(startedAt: t0, paidUntil: paidUntil, invoicedTranches: [0, 1], now: now)
            XCTAssertEqual(before, afterRestart, "at \(second)")
            if second >= 1080, second < 1260 { XCTAssertEqual(before.invoiceTranche, 2, "at \(second)") }
        }
    }

    func testALatePaymentExtendsFromTheOldPaidUntil() {
        let paidUntil = t0.addingTimeInterval(600)
        XCTAssertEqual(deadlines.creditingOneTranche(paidUntil: paidUntil, paidAt: t0.addingTimeInterval(640)), t0.addingTimeInterval(1200))
    }

    func testTermsAreValidated() {
        XCTAssertThrowsError(try BillingTerms(intervalSeconds: 0, pricePerIntervalMsats: 1))
        XCTAssertThrowsError(try BillingTerms(intervalSeconds: 60, invoiceLeadSeconds: 60, pricePerIntervalMsats: 1)) {
            XCTAssertTrue("\($0)".contains("lead time"), "\($0)")
        }
        XCTAssertThrowsError(try BillingTerms(graceSeconds: -1, pricePerIntervalMsats: 1))
        XCTAssertThrowsError(try BillingTerms(pricePerIntervalMsats: 0))
    }
}
