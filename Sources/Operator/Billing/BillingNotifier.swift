import ComputeAPI
import Logging

/// Who tells the tenant about invoices and credits. The Nostr bridge publishes a kind 7000
/// `payment-required` for each invoice; billing itself only records them in the lease.
/// Calls are at-least-once: after a restart an open invoice may be announced again.
public protocol BillingNotifier: Sendable {
    func invoiceIssued(_ invoice: LedgerInvoice, lease: ComputeLease) async
    func paymentCredited(_ credit: LedgerCredit, lease: ComputeLease) async
}

/// Logs instead of publishing: for an operator run without the bridge, and for tests.
public struct LoggingBillingNotifier: BillingNotifier {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func invoiceIssued(_ invoice: LedgerInvoice, lease: ComputeLease) async {
        logger.info("invoice issued", metadata: [
            "lease": "\(lease.metadata.name ?? "")", "tranche": "\(invoice.tranche)", "msats": "\(invoice.amountMsats)",
        ])
    }

    public func paymentCredited(_ credit: LedgerCredit, lease: ComputeLease) async {
        logger.info("payment credited", metadata: ["lease": "\(lease.metadata.name ?? "")", "id": "\(credit.id)", "msats": "\(credit.msats)"])
    }
}
