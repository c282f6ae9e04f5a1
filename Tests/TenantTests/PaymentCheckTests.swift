import Foundation
import NostrBridge
import XCTest
@testable import Tenant

/// The BOLT11 specification's "cup of coffee" invoice: 2500u = 250,000,000 msats, issued at
/// 1496314658 with a 60 s expiry.
enum Invoices {
    static let coffee = "lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpuaztrnwngzn3kdzw5hydlzf03qdgm2hdq27cqv3agm2awhz5se903vruatfhq77w3ls4evs3ch9zw97j25emudupq63nyw24cg27h2rspfj9srp"
    static let coffeeMsats: Int64 = 250_000_000
    static let issuedAt = Date(timeIntervalSince1970: 1_496_314_658 + 10)
}

final class PaymentCheckTests: XCTestCase {
    let provider = String(repeating: "e", count: 64)
    let intruder = String(repeating: "1", count: 64)
    var bid: ComputeBid {
        ComputeBid(pricePerIntervalMsats: Invoices.coffeeMsats, intervalSeconds: 10, graceSeconds: 3, durationSeconds: 30, expiresAt: 0, rail: .lightning)
    }

    func check(next: Int = 0, paid: Int64 = 0, budget: Int64 = 3 * Invoices.coffeeMsats, _ demand: PaymentDemand, now: Date = Invoices.issuedAt) -> PaymentVerdict {
        PaymentCheck(bidder: provider, bid: bid, nextTranche: next, paidMsats: paid, budgetMsats: budget).check(demand, now: now)
    }

    func demand(author: String? = nil, tranche: Int? = 0, amount: Int64? = Invoices.coffeeMsats, bolt11: String? = Invoices.coffee) -> PaymentDemand {
        PaymentDemand(eventID: "x", author: author ?? provider, tranche: tranche, amountMsats: amount, bolt11: bolt11)
    }

    func refusal(_ verdict: PaymentVerdict) -> String? {
        if case let .refuse(why) = verdict { return why }
        return nil
    }

    func testTheBidsPriceForTheNextTrancheFromTheBidderIsPaid() {
        XCTAssertEqual(check(demand()), .pay(bolt11: Invoices.coffee, msats: Invoices.coffeeMsats, tranche: 0))
        XCTAssertEqual(check(next: 2, paid: 2 * Invoices.coffeeMsats, demand(tranche: 2)), .pay(bolt11: Invoices.coffee, msats: Invoices.coffeeMsats, tranche: 2))
    }

    func testAnotherKeyIsNotPaid() {
        XCTAssertTrue(refusal(check(demand(author: intruder)))?.contains("not from the provider that bid") == true)
    }

    func testMoreThanTheBidIsNotPaid() {
        let why = refusal(check(demand(amount: 2 * Invoices.coffeeMsats)))
        XCTAssertEqual(why, "tranche 0 asks 500000000 msats, the bid's price per interval is 250000000 msats")
    }

    func testTheBolt11MustBeForTheAmountAsked() {
        var cheaper = bid
        cheaper.pricePerIntervalMsats = 1_000
        let verdict = PaymentCheck(bidder: provider, bid: cheaper, nextTranche: 0, paidMsats: 0, budgetMsats: 10_000)
            .check(demand(amount: 1_000), now: Invoices.issuedAt)
        XCTAssertTrue(refusal(verdict)?.contains("is for 250000000 msats, the demand says 1000 msats") == true, "\(verdict)")
    }

    func testTranchesOutOfOrderOrPastTheDurationOrBudget() {
        XCTAssertEqual(check(next: 1, demand(tranche: 0)), .alreadyPaid(tranche: 0))
        XCTAssertEqual(refusal(check(demand(tranche: 2))), "the payment-required is for tranche 2, the next one is 0")
        XCTAssertTrue(refusal(check(next: 3, demand(tranche: 3)))?.contains("past the duration") == true)
        XCTAssertTrue(refusal(check(next: 1, paid: Invoices.coffeeMsats, budget: Invoices.coffeeMsats + 1, demand(tranche: 1)))?.contains("past the maximum") == true)
        XCTAssertEqual(refusal(check(demand(tranche: nil))), "the payment-required names no tranche")
    }

    func testMissingExpiredOrBrokenInvoicesAreNotPaid() {
        XCTAssertTrue(refusal(check(demand(bolt11: nil)))?.contains("no bolt11") == true)
        XCTAssertTrue(refusal(check(demand(bolt11: "lnbc1nonsense")))?.contains("does not decode") == true)
        XCTAssertTrue(refusal(check(demand(), now: Invoices.issuedAt.addingTimeInterval(120)))?.contains("expired") == true)
    }
}
