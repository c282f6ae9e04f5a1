import Foundation
import NostrBridge
import XCTest
@testable import Tenant

final class LeaseMachineTests: XCTestCase {
    let provider = String(repeating: "e", count: 64)
    let tenant = String(repeating: "a", count: 64)
    let now = Invoices.issuedAt
    var context: ComputeReplyContext { ComputeReplyContext(requestID: String(repeating: "0", count: 64), tenant: tenant) }
    var bid: ComputeBid {
        ComputeBid(pricePerIntervalMsats: Invoices.coffeeMsats, intervalSeconds: 10, graceSeconds: 3, durationSeconds: 30, expiresAt: 0, rail: .lightning)
    }

    func result(_ result: ComputeResult, from author: String? = nil) -> LeaseMachine.Input {
        .answer(.result(result, author: author ?? provider, eventID: UUID().uuidString), now: now)
    }

    func invoice(_ tranche: Int, amount: Int64 = Invoices.coffeeMsats, from author: String? = nil) -> LeaseMachine.Input {
        var feedback = ComputeFeedback(context: context, status: .paymentRequired)
        feedback.amountMsats = amount
        feedback.bolt11 = Invoices.coffee
        feedback.tranche = tranche
        return .answer(.feedback(feedback, author: author ?? provider, eventID: UUID().uuidString), now: now)
    }

    func testAnInvoiceBeforeTheBidWaitsThenTranchesArePaidOneAtATimeUntilCompleted() {
        var machine = LeaseMachine(provider: provider, budgetMsats: 3 * Invoices.coffeeMsats)
        XCTAssertEqual(machine.handle(invoice(0)), [], "no bid yet: nothing is paid")
        let afterBid = machine.handle(result(.bid(context, bid)))
        XCTAssertEqual(afterBid.last, .pay(bolt11: Invoices.coffee, msats: Invoices.coffeeMsats, tranche: 0))
        XCTAssertEqual(machine.handle(invoice(0)), [], "while paying, a duplicate waits")
        XCTAssertEqual(machine.handle(.paid(tranche: 0, msats: Invoices.coffeeMsats)),
                       [.report(.paid(tranche: 0, msats: Invoices.coffeeMsats, totalMsats: Invoices.coffeeMsats))], "the duplicate is already paid")
        XCTAssertEqual(machine.handle(invoice(1)).last, .pay(bolt11: Invoices.coffee, msats: Invoices.coffeeMsats, tranche: 1))
        _ = machine.handle(.paid(tranche: 1, msats: Invoices.coffeeMsats))
        let ended = machine.handle(result(.ended(context, reason: .durationEnded)))
        XCTAssertEqual(ended, [.finish(.ended(.completed, reason: "duration-ended", message: nil, paidMsats: 2 * Invoices.coffeeMsats, refusedPayments: 0))])
        XCTAssertTrue(machine.isFinished)
    }

    func testForgedAndOverpricedDemandsAreRefusedAndTheRealOneStillPaid() {
        var machine = LeaseMachine(provider: provider, budgetMsats: 3 * Invoices.coffeeMsats)
        _ = machine.handle(result(.bid(context, bid)))
        _ = machine.handle(.paid(tranche: 0, msats: Invoices.coffeeMsats))
        let forged = machine.handle(invoice(1, from: String(repeating: "1", count: 64)))
        XCTAssertEqual(forged.count, 1)
        guard case .report(.paymentRefused(let why)) = forged[0] else { return XCTFail("\(forged)") }
        XCTAssertTrue(why.contains("not from the provider that bid"), why)
        let greedy = machine.handle(invoice(1, amount: 10 * Invoices.coffeeMsats))
        guard case .report(.paymentRefused(let greedyWhy)) = greedy.first else { return XCTFail("\(greedy)") }
        XCTAssertTrue(greedyWhy.contains("the bid's price per interval"), greedyWhy)
        XCTAssertEqual(machine.handle(invoice(1)).last, .pay(bolt11: Invoices.coffee, msats: Invoices.coffeeMsats, tranche: 1))
        _ = machine.handle(.paid(tranche: 1, msats: Invoices.coffeeMsats))
        let end = machine.handle(result(.ended(context, reason: .durationEnded)))
        XCTAssertEqual(end, [.finish(.ended(.completed, reason: "duration-ended", message: nil, paidMsats: 2 * Invoices.coffeeMsats, refusedPayments: 2))])
    }

    func testCancellingPaysNothingMoreAndEndsOnTerminated() {
        var machine = LeaseMachine(provider: provider, budgetMsats: 3 * Invoices.coffeeMsats)
        _ = machine.handle(result(.bid(context, bid)))
        _ = machine.handle(.paid(tranche: 0, msats: Invoices.coffeeMsats))
        XCTAssertEqual(machine.handle(.cancelRequested), [.report(.cancelling), .publishCancellation])
        XCTAssertFalse(machine.handle(invoice(1)).contains { if case .pay = $0 { return true } else { return false } })
        XCTAssertEqual(machine.handle(result(.ended(context, reason: .cancelled))),
                       [.finish(.cancelled(confirmed: true, paidMsats: Invoices.coffeeMsats))])
    }

    func testARefusalBeforeAnyBidEndsAndNoBidTimesOut() {
        var refused = LeaseMachine(provider: provider, budgetMsats: 1)
        let error = ComputeFeedback.error(context, message: "no capacity", code: .noCapacity)
        XCTAssertEqual(refused.handle(.answer(.feedback(error, author: provider, eventID: "x"), now: now)),
                       [.finish(.refused(code: "no-capacity", message: "no capacity"))])
        var silent = LeaseMachine(provider: provider, budgetMsats: 1)
        XCTAssertEqual(silent.handle(.bidWaitOver(seconds: 60)), [.finish(.noBid(waitedSeconds: 60))])
    }
}
