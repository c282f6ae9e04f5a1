import Billing
import ComputeAPI
import Foundation
@testable import Operator
import XCTest

/// Billing's plan and ledger edits, driven by a mock clock through whole leases.
final class BillingLedgerTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let lead = 120

    private func lease(rail: PaymentRail = .lightning, duration: Int = 1800) -> ComputeLease {
        var lease = fixtureLease()
        lease.spec.paymentRail = rail
        lease.spec.durationSeconds = duration
        lease.spec.bidExpiresAt = Timestamp(t0.addingTimeInterval(300))
        return lease
    }

    private func plan(_ lease: ComputeLease, at now: Date) -> BillingPlan? {
        BillingPlanner.plan(lease, invoiceLeadSeconds: lead, pollInterval: 5, now: now)
    }

    private func terms(_ lease: ComputeLease) -> BillingTerms {
        BillingPlanner.terms(for: lease, invoiceLeadSeconds: lead)!
    }

    private func invoice(_ n: Int, expires: Date) -> IssuedInvoice {
        IssuedInvoice(bolt11: "lnbcrt100n1invoice\(n)", paymentHash: String(repeating: String(n % 10), count: 64),
                      amountMsats: 10_000, expiresAt: expires)
    }

    /// Issues what the plan asks for at `now` and returns the invoice recorded, if any.
    @discardableResult
    private func issueIfDue(_ lease: inout ComputeLease, at now: Date, number: Int) -> LedgerInvoice? {
        guard let plan = plan(lease, at: now), let tranche = plan.issueTranche else { return nil }
        var status = lease.status ?? ComputeLeaseStatus()
        let issued = invoice(number, expires: now.addingTimeInterval(TimeInterval(plan.invoiceExpirySeconds)))
        XCTAssertTrue(LedgerBook.recordInvoice(issued, tranche: tranche, in: &status, now: now))
        lease.status = status
        return status.ledger?.invoices?.last
    }

    private func pay(_ invoice: LedgerInvoice, _ lease: inout ComputeLease, at now: Date) -> LedgerBook.CreditOutcome {
        var status = lease.status ?? ComputeLeaseStatus()
        let outcome = LedgerBook.credit(id: "ln:\(invoice.paymentHash)", rail: .lightning, msats: invoice.amountMsats,
                                        settlingInvoice: invoice.paymentHash, in: &status, terms: terms(lease), now: now)
        lease.status = status
        return outcome
    }

    func testAStreamingLeaseIsInvoicedOncePerTrancheUntilItsDurationIsCovered() throws {
        var lease = lease()
        // The first invoice goes out at once and stays payable until the bid expires.
        let first = try XCTUnwrap(plan(lease, at: t0))
        XCTAssertEqual(first.state, .awaitingFirstPayment)
        XCTAssertEqual(first.issueTranche, 0)
        XCTAssertEqual(first.invoiceExpirySeconds, 300)
        let invoice0 = try XCTUnwrap(issueIfDue(&lease, at: t0, number: 0))
        // Recorded: no second invoice for tranche 0, and the open invoice is polled.
        let waiting = try XCTUnwrap(plan(lease, at: t0.addingTimeInterval(1)))
        XCTAssertNil(waiting.issueTranche)
        XCTAssertEqual(waiting.invoicesToCheck.map(\.paymentHash), [invoice0.paymentHash])
        XCTAssertEqual(waiting.nextCheck, t0.addingTimeInterval(6))

        let paidAt = t0.addingTimeInterval(10)
        XCTAssertEqual(pay(invoice0, &lease, at: paidAt), .credited(tranches: 1, paidUntil: paidAt.addingTimeInterval(600)))
        XCTAssertEqual(lease.status?.conditions?[.paid]?.lastTransitionTime, Timestamp(paidAt))
        XCTAssertEqual(pay(invoice0, &lease, at: paidAt.addingTimeInterval(1)), .alreadyCredited, "a replayed settlement credits once")
        XCTAssertEqual(lease.status?.ledger?.tranchesPaid, 1)

        // Funded until the lead time before paid-until; then tranche 1 is invoiced, payable until grace ends.
        let funded = try XCTUnwrap(plan(lease, at: paidAt.addingTimeInterval(100)))
        XCTAssertEqual(funded.state, .funded)
        XCTAssertNil(funded.issueTranche)
        XCTAssertEqual(funded.nextCheck, paidAt.addingTimeInterval(480))
        let due = try XCTUnwrap(plan(lease, at: paidAt.addingTimeInterval(480)))
        XCTAssertEqual(due.state, .invoiceDue)
        XCTAssertEqual(due.issueTranche, 1)
        XCTAssertEqual(due.invoiceExpirySeconds, 180)
        // An invoice made late (deep in grace) expires when the lease would end, not a minute later.
        let late = try XCTUnwrap(plan(lease, at: paidAt.addingTimeInterval(600 + 50.5)))
        XCTAssertEqual(late.invoiceExpirySeconds, 9, "grace ends at paid-until + 60 s")

        var now = paidAt.addingTimeInterval(480)
        for tranche in 1...2 {
            let invoice = try XCTUnwrap(issueIfDue(&lease, at: now, number: tranche))
            XCTAssertEqual(invoice.tranche, tranche)
            XCTAssertNil(issueIfDue(&lease, at: now.addingTimeInterval(1), number: 9), "one invoice per tranche")
            _ = pay(invoice, &lease, at: now.addingTimeInterval(30))
            now = now.addingTimeInterval(600)
        }
        // Three tranches cover the 1800 s duration: nothing more is sold.
        XCTAssertEqual(lease.status?.paidUntil, Timestamp(paidAt.addingTimeInterval(1800)))
        XCTAssertNil(plan(lease, at: paidAt.addingTimeInterval(1700))?.issueTranche)
        XCTAssertEqual(lease.status?.ledger?.msatsReceived, 30_000)
        XCTAssertEqual(lease.status?.ledger?.credits?.count, 3)
    }

    func testAnUnpaidRenewalGoesThroughGraceToUnpaidAndLatePaymentsExtendFromPaidUntil() throws {
        var lease = lease()
        let invoice0 = try XCTUnwrap(issueIfDue(&lease, at: t0, number: 0))
        _ = pay(invoice0, &lease, at: t0)
        let paidUntil = t0.addingTimeInterval(600)
        let invoice1 = try XCTUnwrap(issueIfDue(&lease, at: t0.addingTimeInterval(480), number: 1))
        XCTAssertEqual(invoice1.expiresAt, Timestamp(paidUntil.addingTimeInterval(60)))

        let grace = try XCTUnwrap(plan(lease, at: paidUntil.addingTimeInterval(10)))
        XCTAssertEqual(grace.state, .grace)
        XCTAssertNil(grace.issueTranche, "the open invoice still stands")
        XCTAssertEqual(plan(lease, at: paidUntil.addingTimeInterval(60))?.state, .unpaid)
        XCTAssertNil(plan(lease, at: paidUntil.addingTimeInterval(60))?.issueTranche)

        // Paid late, within grace: the new tranche starts at the old paid-until, not at the payment.
        XCTAssertEqual(pay(invoice1, &lease, at: paidUntil.addingTimeInterval(30)),
                       .credited(tranches: 1, paidUntil: paidUntil.addingTimeInterval(600)))
    }

    func testAnExpiredInvoiceIsReplacedAndAPaymentForIt_AfterwardsIsStillCreditedOnce() throws {
        var lease = lease()
        let invoice0 = try XCTUnwrap(issueIfDue(&lease, at: t0, number: 0))
        var status = try XCTUnwrap(lease.status)
        XCTAssertTrue(LedgerBook.expireInvoice(paymentHash: invoice0.paymentHash, in: &status))
        XCTAssertFalse(LedgerBook.expireInvoice(paymentHash: invoice0.paymentHash, in: &status))
        lease.status = status
        XCTAssertEqual(plan(lease, at: t0.addingTimeInterval(1))?.issueTranche, 0)
        // Past the bid's expiry an unpaid lease is ending: no new invoice.
        XCTAssertNil(plan(lease, at: t0.addingTimeInterval(300))?.issueTranche)
    }

    func testCashuPaysWholeTranchesAndKeepsTheRestAsBalance() throws {
        var lease = lease(rail: .cashu)
        XCTAssertNil(plan(lease, at: t0)?.issueTranche, "Cashu is pushed by the tenant, never invoiced")
        var status = ComputeLeaseStatus()
        let id = "cashu:" + String(repeating: "c", count: 64)
        XCTAssertEqual(LedgerBook.credit(id: id, rail: .cashu, msats: 25_000, in: &status, terms: terms(lease), now: t0),
                       .credited(tranches: 2, paidUntil: t0.addingTimeInterval(1200)))
        XCTAssertEqual(status.ledger?.balanceMsats, 5_000)
        XCTAssertEqual(LedgerBook.credit(id: id, rail: .cashu, msats: 25_000, in: &status, terms: terms(lease), now: t0), .alreadyCredited)
        let second = "cashu:" + String(repeating: "d", count: 64)
        XCTAssertEqual(LedgerBook.credit(id: second, rail: .cashu, msats: 5_000, in: &status, terms: terms(lease), now: t0),
                       .credited(tranches: 1, paidUntil: t0.addingTimeInterval(1800)))
        XCTAssertNil(status.ledger?.balanceMsats)
        XCTAssertEqual(status.ledger?.tranchesPaid, 3)
        lease.status = status
        XCTAssertEqual(plan(lease, at: t0.addingTimeInterval(1700))?.state, .invoiceDue)
    }

    /// Escrow (draft §7.7): an escrowed payment buys time like any other, is counted as locked
    /// until released, once each way, and no more than `maxLocked` are locked at a time.
    func testEscrowedPaymentsAreLockedUntilReleasedAndBoundedByTheExposure() throws {
        let lease = lease(rail: .cashu)
        var status = ComputeLeaseStatus()
        let first = String(repeating: "1", count: 64), second = String(repeating: "2", count: 64), third = String(repeating: "3", count: 64)
        let terms = terms(lease)
        XCTAssertEqual(LedgerBook.minimumEscrowLocktime(msats: 10_000, status: status, terms: terms, window: 3600, now: t0),
                       Int64(t0.timeIntervalSince1970) + 600 + 3600, "the tranche's end plus the window")
        XCTAssertEqual(LedgerBook.creditEscrow(holdID: first, msats: 10_000, locktime: 1, maxLocked: 2, in: &status, terms: terms, now: t0),
                       .credited(tranches: 1, paidUntil: t0.addingTimeInterval(600)))
        XCTAssertEqual(LedgerBook.creditEscrow(holdID: first, msats: 10_000, locktime: 1, maxLocked: 2, in: &status, terms: terms, now: t0), .alreadyCredited)
        XCTAssertEqual(LedgerBook.minimumEscrowLocktime(msats: 10_000, status: status, terms: terms, window: 3600, now: t0),
                       Int64(t0.timeIntervalSince1970) + 1200 + 3600, "from the paid-until it extends")
        XCTAssertEqual(LedgerBook.creditEscrow(holdID: second, msats: 10_000, locktime: 1, maxLocked: 2, in: &status, terms: terms, now: t0),
                       .credited(tranches: 1, paidUntil: t0.addingTimeInterval(1200)))
        XCTAssertEqual(status.ledger?.escrowedMsats, 20_000)
        XCTAssertEqual(status.ledger?.escrow?.map(\.tranche), [0, 1])
        XCTAssertEqual(LedgerBook.creditEscrow(holdID: third, msats: 10_000, locktime: 1, maxLocked: 2, in: &status, terms: terms, now: t0),
                       .exposureReached(locked: 2))
        XCTAssertEqual(status.paidUntil?.date, t0.addingTimeInterval(1200), "refused: no more time")

        XCTAssertTrue(LedgerBook.releaseEscrow(holdID: first, in: &status, now: t0))
        XCTAssertFalse(LedgerBook.releaseEscrow(holdID: first, in: &status, now: t0), "once")
        XCTAssertFalse(LedgerBook.releaseEscrow(holdID: third, in: &status, now: t0), "unknown")
        XCTAssertEqual(status.ledger?.escrowedMsats, 10_000)
        XCTAssertEqual(LedgerBook.creditEscrow(holdID: third, msats: 10_000, locktime: 1, maxLocked: 2, in: &status, terms: terms, now: t0),
                       .credited(tranches: 1, paidUntil: t0.addingTimeInterval(1800)))
        XCTAssertTrue(LedgerBook.releaseEscrow(holdID: second, in: &status, now: t0) && LedgerBook.releaseEscrow(holdID: third, in: &status, now: t0))
        XCTAssertNil(status.ledger?.escrowedMsats, "everything earned")
        XCTAssertEqual(status.ledger?.msatsReceived, 30_000)
        var full = lease
        full.status = status
        XCTAssertEqual(full.violations(), [])
    }

    func testAPaymentForAnInvoiceTheLedgerNoLongerHoldsIsNotCredited() {
        var status = ComputeLeaseStatus()
        let outcome = LedgerBook.credit(id: "ln:" + String(repeating: "e", count: 64), rail: .lightning, msats: 10_000,
                                        settlingInvoice: String(repeating: "e", count: 64), in: &status, terms: terms(lease()), now: t0)
        XCTAssertEqual(outcome, .alreadyCredited)
        XCTAssertNil(status.paidUntil)
    }

    func testTheLedgerKeepsOpenInvoicesAndDropsTheOldestSettledOnes() {
        var invoices = (0..<14).map { n in
            LedgerInvoice(tranche: n, paymentHash: String(format: "%064d", n), bolt11: "lnbc", amountMsats: 1,
                          issuedAt: Timestamp(t0), expiresAt: Timestamp(t0), state: .paid)
        }
        invoices[1].state = .open
        let kept = LedgerBook.pruned(invoices)
        XCTAssertEqual(kept.count, LedgerSummary.keptInvoices)
        XCTAssertEqual(kept.map(\.tranche), [1] + Array(3..<14))
    }

    func testTheSamePlanComesBackAfterARestartOrAClockJump() throws {
        var lease = lease()
        let invoice0 = try XCTUnwrap(issueIfDue(&lease, at: t0, number: 0))
        _ = pay(invoice0, &lease, at: t0)
        // A restart rebuilds nothing: the plan is a function of the stored status and the time.
        let reloaded = try JSONDecoder().decode(ComputeLease.self, from: JSONEncoder().encode(lease))
        XCTAssertEqual(plan(reloaded, at: t0.addingTimeInterval(500)), plan(lease, at: t0.addingTimeInterval(500)))
        // The clock jumps back before the first payment: still funded, nothing re-invoiced.
        XCTAssertEqual(plan(lease, at: t0.addingTimeInterval(-3600))?.state, .funded)
        XCTAssertNil(plan(lease, at: t0.addingTimeInterval(-3600))?.issueTranche)
        // Forward past grace: unpaid, enforcement is the lease controller's.
        XCTAssertEqual(plan(lease, at: t0.addingTimeInterval(7200))?.state, .unpaid)
    }

    func testEndedOrDeletedLeasesAreNotBilled() {
        var lease = lease()
        lease.status = ComputeLeaseStatus(phase: .expired)
        XCTAssertNil(plan(lease, at: t0))
        lease.status = nil
        lease.metadata.deletionTimestamp = "2027-01-01T00:00:00Z"
        XCTAssertNil(plan(lease, at: t0))
    }
}
