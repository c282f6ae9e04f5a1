import Billing
import ComputeAPI
import Foundation

/// What billing must do for one lease now, from its current state alone (level-triggered, no IO).
struct BillingPlan: Equatable {
    var state: PaymentState
    /// Open invoices whose payment must be looked up.
    var invoicesToCheck: [LedgerInvoice]
    /// Issue a Lightning invoice for this tranche now.
    var issueTranche: Int?
    /// How long the new invoice stays payable: until the lease would end without it.
    var invoiceExpirySeconds: Int
    /// Look again at this time even if nothing changes.
    var nextCheck: Date?
}

enum BillingPlanner {

    /// nil when the lease is past billing: being deleted or already ended.
    static func plan(_ lease: ComputeLease, invoiceLeadSeconds: Int, pollInterval: TimeInterval, now: Date) -> BillingPlan? {
        if lease.metadata.deletionTimestamp != nil { return nil }
        let status = lease.status ?? ComputeLeaseStatus()
        if let phase = status.phase, phase.isTerminal { return nil }
        guard let terms = terms(for: lease, invoiceLeadSeconds: invoiceLeadSeconds) else { return nil }

        let invoices = status.ledger?.invoices ?? []
        // A tranche counts as invoiced while it has a payable or a paid invoice; an expired one is
        // replaced, so a tenant who missed it can still pay within grace.
        let invoiced = Set(invoices.filter { $0.state == .paid || ($0.state == .open && $0.expiresAt.date > now) }.map(\.tranche))
        let timeline = lease.timeline
        let startedAt = timeline.startedAt
        let paidUntil = timeline.paidUntil
        let decision = PaymentDeadlines(terms: terms).decide(startedAt: startedAt, paidUntil: paidUntil, invoicedTranches: invoiced, now: now)

        var issue = decision.invoiceTranche
        // Nothing more to sell once paid time reaches the end of the requested duration.
        if let paidUntil, let durationEnds = timeline.durationEndsAt, paidUntil >= durationEnds {
            issue = nil
        }
        // An unpaid bid past its expiry is ending; it gets no invoice.
        if let bidExpiry = timeline.bidExpiresAt, now >= bidExpiry { issue = nil }
        // Cashu is pushed by the tenant (in the request or as nutzaps); only Lightning is invoiced.
        if lease.spec.paymentRail != .lightning { issue = nil }
        if decision.enforce { issue = nil }

        let open = invoices.filter { $0.state == .open }
        let payableUntil = timeline.graceEndsAt ?? timeline.bidExpiresAt
        // Never payable past the instant the lease ends without it: a payment after that would be
        // taken for nothing. (The lease controller's last look catches one made just before.)
        let expiry = max(1, Int((payableUntil?.timeIntervalSince(now) ?? TimeInterval(terms.intervalSeconds)).rounded(.down)))

        var wakeUps = [decision.nextCheck].compactMap { $0 }
        if !open.isEmpty { wakeUps.append(now.addingTimeInterval(pollInterval)) }
        if let bidExpiry = timeline.bidExpiresAt, bidExpiry > now { wakeUps.append(bidExpiry) }
        return BillingPlan(state: decision.state, invoicesToCheck: open, issueTranche: issue, invoiceExpirySeconds: expiry,
                           nextCheck: wakeUps.filter { $0 > now }.min())
    }

    /// The lease's own terms; the provider's lead time is clamped below the lease's interval.
    static func terms(for lease: ComputeLease, invoiceLeadSeconds: Int) -> BillingTerms? {
        let interval = lease.spec.intervalSeconds
        return try? BillingTerms(intervalSeconds: interval, graceSeconds: lease.spec.graceSeconds,
                                 invoiceLeadSeconds: min(max(0, invoiceLeadSeconds), max(0, interval - 1)),
                                 pricePerIntervalMsats: lease.spec.pricePerIntervalMsats)
    }
}
