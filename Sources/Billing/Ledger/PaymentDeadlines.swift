import Foundation

/// Where a lease stands with its payments: funded → invoice due → grace → unpaid.
public enum PaymentState: String, Sendable, Equatable {
    /// No tranche paid yet; the first invoice went out with the bid.
    case awaitingFirstPayment
    /// Paid, and the next invoice is not due yet.
    case funded
    /// Within the lead time before paid-until: the next tranche's invoice must be out.
    case invoiceDue
    /// Past paid-until but within grace: the workload runs on while a late payment may arrive.
    case grace
    /// Past paid-until plus grace: the lease must end.
    case unpaid
}

/// What billing must do now for a lease, and when to look again.
public struct PaymentDecision: Sendable, Equatable {
    public var state: PaymentState
    /// Issue the invoice for this tranche (0 is the first) unless one was already issued for it.
    public var invoiceTranche: Int?
    /// Mark the lease unpaid and let the operator delete it.
    public var enforce: Bool
    /// The next moment the decision changes by itself (nil when nothing more will happen).
    public var nextCheck: Date?
}

/// The deadline rules as a pure function of the lease's recorded facts and the time, with no
/// stored state of its own. After a restart, or when the clock jumps either way, the same facts
/// give the same decision, and tranche numbers make invoice issuing idempotent: a tranche that
/// already has an invoice never gets a second one.
public struct PaymentDeadlines: Sendable {
    public let terms: BillingTerms

    public init(terms: BillingTerms) {
        self.terms = terms
    }

    /// - Parameters:
    ///   - startedAt: when the first tranche was paid (the tranche grid starts here); nil before.
    ///   - paidUntil: the end of the last paid tranche; nil before the first payment.
    ///   - invoicedTranches: tranches that already have an invoice issued.
    public func decide(startedAt: Date?, paidUntil: Date?, invoicedTranches: Set<Int>, now: Date) -> PaymentDecision {
        guard let startedAt, let paidUntil else {
            return PaymentDecision(state: .awaitingFirstPayment, invoiceTranche: invoicedTranches.contains(0) ? nil : 0,
                                   enforce: false, nextCheck: nil)
        }
        let interval = TimeInterval(terms.intervalSeconds)
        // The tranche that starts at paid-until is the one to invoice next.
        let nextTranche = Int((paidUntil.timeIntervalSince(startedAt) / interval).rounded())
        let invoiceAt = paidUntil.addingTimeInterval(-TimeInterval(terms.invoiceLeadSeconds))
        let lapsesAt = paidUntil.addingTimeInterval(TimeInterval(terms.graceSeconds))
        let pending = invoicedTranches.contains(nextTranche) ? nil : nextTranche

        if now >= lapsesAt {
            return PaymentDecision(state: .unpaid, invoiceTranche: nil, enforce: true, nextCheck: nil)
        }
        if now >= paidUntil {
            return PaymentDecision(state: .grace, invoiceTranche: pending, enforce: false, nextCheck: lapsesAt)
        }
        if now >= invoiceAt {
            return PaymentDecision(state: .invoiceDue, invoiceTranche: pending, enforce: false, nextCheck: paidUntil)
        }
        return PaymentDecision(state: .funded, invoiceTranche: nil, enforce: false, nextCheck: invoiceAt)
    }

    /// Paid-until after crediting one more tranche. A late payment extends from the old
    /// paid-until, not from now: the grace period is lent, not given.
    public func creditingOneTranche(paidUntil: Date?, paidAt: Date) -> Date {
        (paidUntil ?? paidAt).addingTimeInterval(TimeInterval(terms.intervalSeconds))
    }
}
