/// Where a lease stands with its payments, as its status shows it (`kubectl get -o wide`).
/// Billing writes it; the market reads it to know when a Cashu tranche is due.
public enum LedgerState: String, Codable, Sendable, CaseIterable {
    /// No tranche paid yet; the first invoice went out with the bid.
    case awaitingFirstPayment = "AwaitingFirstPayment"
    /// Paid, and the next tranche is not due yet.
    case funded = "Funded"
    /// Within the lead time before paid-until: the next tranche is asked for.
    case invoiceDue = "InvoiceDue"
    /// Past paid-until, within grace.
    case grace = "Grace"
    /// Past paid-until plus grace: the lease ends.
    case unpaid = "Unpaid"
}
