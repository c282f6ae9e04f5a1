import Billing
import ComputeAPI
import Foundation

/// The pure edits billing makes to a lease's status. Each is applied to the freshest copy of the
/// lease and written back conditionally, so deciding "already credited?" and crediting happen on
/// the same version of the object.
enum LedgerBook {
    /// What crediting did.
    enum CreditOutcome: Equatable {
        /// The payment's id is already in the ledger (or its invoice is already paid): nothing changes.
        case alreadyCredited
        case credited(tranches: Int, paidUntil: Date?)
    }

    /// Adds an invoice for a tranche, unless a payable or paid one for that tranche is already there
    /// (another attempt got there first); returns false when nothing changed.
    static func recordInvoice(_ issued: IssuedInvoice, tranche: Int, in status: inout ComputeLeaseStatus, now: Date) -> Bool {
        var ledger = status.ledger ?? LedgerSummary()
        var invoices = ledger.invoices ?? []
        if invoices.contains(where: { $0.tranche == tranche && ($0.state == .paid || ($0.state == .open && $0.expiresAt.date > now)) }) {
            return false
        }
        if invoices.contains(where: { $0.paymentHash == issued.paymentHash }) { return false }
        invoices.append(LedgerInvoice(tranche: tranche, paymentHash: issued.paymentHash, bolt11: issued.bolt11,
                                      amountMsats: issued.amountMsats, issuedAt: Timestamp(now), expiresAt: Timestamp(issued.expiresAt)))
        ledger.invoices = pruned(invoices)
        status.ledger = ledger
        return true
    }

    /// Marks an open invoice expired; false when it is not open (paid meanwhile, or unknown).
    static func expireInvoice(paymentHash: String, in status: inout ComputeLeaseStatus) -> Bool {
        guard var ledger = status.ledger, var invoices = ledger.invoices,
              let index = invoices.firstIndex(where: { $0.paymentHash == paymentHash && $0.state == .open }) else { return false }
        invoices[index].state = .expired
        ledger.invoices = invoices
        status.ledger = ledger
        return true
    }

    /// Credits one payment exactly once. Whole tranches move `paidUntil` forward one interval each,
    /// from the old paid-until (a late payment does not gain the grace period); what is left over
    /// stays as balance for the next payment. The first credit sets the Paid condition, whose
    /// transition time starts the lease's duration.
    static func credit(
        id: String, rail: PaymentRail, msats: Int64, settlingInvoice paymentHash: String? = nil,
        in status: inout ComputeLeaseStatus, terms: BillingTerms, now: Date
    ) -> CreditOutcome {
        var ledger = status.ledger ?? LedgerSummary()
        if (ledger.credits ?? []).contains(where: { $0.id == id }) { return .alreadyCredited }
        var invoices = ledger.invoices ?? []
        if let paymentHash {
            guard let index = invoices.firstIndex(where: { $0.paymentHash == paymentHash }) else { return .alreadyCredited }
            if invoices[index].state == .paid { return .alreadyCredited }
            invoices[index].state = .paid
            ledger.invoices = pruned(invoices)
        }
        let deadlines = PaymentDeadlines(terms: terms)
        // Every amount is below the 2.1e18 msats that will ever exist, so sums of real payments
        // cannot overflow; saturating keeps a forged amount from trapping the operator.
        var balance = Self.saturatingSum(ledger.balanceMsats ?? 0, msats)
        var tranches = 0
        var paidUntil = status.paidUntil?.date
        while balance >= terms.pricePerIntervalMsats {
            paidUntil = deadlines.creditingOneTranche(paidUntil: paidUntil, paidAt: now)
            balance -= terms.pricePerIntervalMsats
            tranches += 1
        }
        ledger.balanceMsats = balance == 0 ? nil : balance
        ledger.tranchesPaid += tranches
        ledger.msatsReceived = Self.saturatingSum(ledger.msatsReceived, msats)
        ledger.lastPaymentAt = Timestamp(now)
        ledger.credits = Array(((ledger.credits ?? []) + [LedgerCredit(id: id, rail: rail, msats: msats, at: Timestamp(now))])
            .suffix(LedgerSummary.keptCredits))
        status.ledger = ledger
        if let paidUntil, tranches > 0 {
            status.paidUntil = Timestamp(paidUntil)
            // Where payments stand now, not where they stood before this credit: the Cashu rail
            // asks for the next tranche when this says it is due.
            ledger.state = deadlines.decide(startedAt: paidUntil, paidUntil: paidUntil, invoicedTranches: [], now: now).state.ledgerState
            status.ledger = ledger
            var conditions = status.conditions ?? []
            conditions.set(Condition(type: .paid, status: .true, reason: "TranchePaid",
                                     message: "Paid until \(Timestamp(paidUntil)) (\(ledger.tranchesPaid) tranches).",
                                     lastTransitionTime: Timestamp(now), observedGeneration: status.observedGeneration))
            status.conditions = conditions
        }
        return .credited(tranches: tranches, paidUntil: paidUntil)
    }

    static func saturatingSum(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b < 0 ? .min : .max) : sum
    }

    /// Records where payments stand, for `kubectl get -o wide`; false when unchanged.
    static func setState(_ state: PaymentState, in status: inout ComputeLeaseStatus) -> Bool {
        if status.ledger?.state == state.ledgerState { return false }
        var ledger = status.ledger ?? LedgerSummary()
        ledger.state = state.ledgerState
        status.ledger = ledger
        return true
    }

    /// Keeps every open invoice and the newest settled or expired ones, within the schema's bound.
    static func pruned(_ invoices: [LedgerInvoice]) -> [LedgerInvoice] {
        guard invoices.count > LedgerSummary.keptInvoices else { return invoices }
        var excess = invoices.count - LedgerSummary.keptInvoices
        return invoices.filter { invoice in
            guard excess > 0, invoice.state != .open else { return true }
            excess -= 1
            return false
        }
    }
}

extension PaymentState {
    /// As the lease's status shows it.
    var ledgerState: LedgerState {
        switch self {
        case .awaitingFirstPayment: return .awaitingFirstPayment
        case .funded: return .funded
        case .invoiceDue: return .invoiceDue
        case .grace: return .grace
        case .unpaid: return .unpaid
        }
    }
}
