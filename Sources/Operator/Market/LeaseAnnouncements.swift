import ComputeAPI
import Foundation
import NostrBridge

/// One thing the tenant must be told about its lease, with the key that records it was told.
enum LeaseAnnouncement: Equatable {
    /// The bid again (after a crash between creating the lease and publishing the bid).
    case bid(ComputeBid)
    /// A Lightning invoice to pay: kind 7000 payment-required (and 6900 renewal-due after the first).
    case invoice(LedgerInvoice, paidUntil: Date?)
    /// The next tranche is due by Cashu: kind 7000 payment-required with the provider's Cashu terms.
    case cashuDue(tranche: Int, amountMsats: Int64, paidUntil: Date?)
    case provisioning(paidUntil: Date?)
    case running([LeaseEndpoint], paidUntil: Date)

    var key: String {
        switch self {
        case .bid: return "bid"
        case let .invoice(invoice, _): return "invoice:\(invoice.tranche):\(invoice.paymentHash.prefix(8))"
        case let .cashuDue(tranche, _, _): return "cashu:\(tranche)"
        case .provisioning: return "provisioning"
        case let .running(endpoints, _):
            // A changed endpoint (a new NodePort after a hand edit) is announced again.
            return "running:" + String(endpoints.map(\.address).joined(separator: "|").hashValueStable, radix: 16)
        }
    }
}

/// What a lease's current state says the tenant should have been told (pure, level-triggered):
/// the caller publishes what is not yet in the lease's announced keys, then records the keys.
enum LeaseAnnouncements {
    static func due(for lease: ComputeLease, now: Date) -> [LeaseAnnouncement] {
        if lease.metadata.deletionTimestamp != nil { return [] }
        let status = lease.status ?? ComputeLeaseStatus()
        if let phase = status.phase, phase.isTerminal { return [] }
        var due: [LeaseAnnouncement] = []
        let paidUntil = status.paidUntil?.date
        let spec = lease.spec
        if paidUntil == nil, let expiry = spec.bidExpiresAt?.date, expiry > now {
            due.append(.bid(ComputeBid(pricePerIntervalMsats: spec.pricePerIntervalMsats, intervalSeconds: spec.intervalSeconds,
                                       graceSeconds: spec.graceSeconds, durationSeconds: spec.durationSeconds,
                                       costs: MarketAnnotations.costs(of: lease), expiresAt: Int64(expiry.timeIntervalSince1970), rail: spec.paymentRail == .cashu ? .cashu : .lightning)))
        }
        for invoice in status.ledger?.invoices ?? [] where invoice.state == .open && invoice.expiresAt.date > now {
            due.append(.invoice(invoice, paidUntil: paidUntil))
        }
        if spec.paymentRail == .cashu, let state = status.ledger?.state ?? (paidUntil == nil ? "AwaitingFirstPayment" : nil),
           ["AwaitingFirstPayment", "InvoiceDue", "Grace"].contains(state) {
            due.append(.cashuDue(tranche: status.ledger?.tranchesPaid ?? 0, amountMsats: spec.pricePerIntervalMsats, paidUntil: paidUntil))
        }
        switch status.phase {
        case .provisioning?: due.append(.provisioning(paidUntil: paidUntil))
        case .running?:
            if let paidUntil { due.append(.running(status.endpoints ?? [], paidUntil: paidUntil)) }
        default: break
        }
        return due
    }
}

extension String {
    /// FNV-1a: stable across processes, unlike `hashValue`, so a restart recognises its own keys.
    var hashValueStable: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
