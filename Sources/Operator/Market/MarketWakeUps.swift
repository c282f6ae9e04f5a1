import ComputeAPI
import Foundation

/// Billing's notices only wake the bridge's announcer: what to say is read from the lease itself.
public struct MarketWakeUps: BillingNotifier {
    let queue: WorkQueue<String, ContinuousClock>

    public init() { queue = WorkQueue(clock: ContinuousClock()) }

    public func invoiceIssued(_ invoice: LedgerInvoice, lease: ComputeLease) async {
        queue.add(lease.metadata.name ?? "")
    }

    public func paymentCredited(_ credit: LedgerCredit, lease: ComputeLease) async {
        queue.add(lease.metadata.name ?? "")
    }
}
