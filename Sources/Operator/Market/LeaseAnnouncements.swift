import Billing
import ComputeAPI
import Foundation
import NostrBridge

/// One thing the tenant must be told about its lease, with the key that records it was told.
enum LeaseAnnouncement: Equatable {
    /// The bid (published once; again only after a crash between creating the lease and publishing it).
    case bid(ComputeBid, createdAt: Date?)
    /// A Lightning invoice to pay: kind 7000 payment-required (and 6900 renewal-due after the first).
    case invoice(LedgerInvoice, paidUntil: Date?)
    /// The next tranche is due by Cashu: kind 7000 payment-required with the provider's Cashu terms
    /// (and 6900 renewal-due after the first).
    case cashuDue(tranche: Int, amountMsats: Int64, paidUntil: Date?)
    /// A payment moved paid-until: kind 7000 processing, for clients that follow NIP-90 only.
    case processing(paidUntil: Date, paidAt: Date?)
    case provisioning(paidUntil: Date?)
    case running([LeaseEndpoint], paidUntil: Date)

    var key: String {
        switch self {
        case .bid: return "bid"
        case let .invoice(invoice, _): return "invoice:\(invoice.tranche):\(invoice.paymentHash.prefix(8))"
        case let .cashuDue(tranche, _, _): return "cashu:\(tranche)"
        case let .processing(paidUntil, _): return "processing:\(Self.seconds(paidUntil))"
        case let .provisioning(paidUntil): return "provisioning:\(paidUntil.map(Self.seconds) ?? 0)"
        case let .running(endpoints, paidUntil):
            // Said again when an endpoint changes (a new NodePort after a hand edit) and after each renewal.
            return "running:" + String(endpoints.map(\.address).joined(separator: "|").hashValueStable, radix: 16) + ":\(Self.seconds(paidUntil))"
        }
    }

    /// When the event says it was made: a fixed instant for what has one (the bid, an invoice, a
    /// payment), so that a re-send is the same event, byte for byte, and relays keep one copy.
    var createdAt: Int64? {
        switch self {
        case let .bid(_, createdAt): return createdAt.map(Self.seconds)
        case let .invoice(invoice, _): return Self.seconds(invoice.issuedAt.date)
        case let .processing(_, paidAt): return paidAt.map(Self.seconds)
        case .cashuDue, .provisioning, .running: return nil
        }
    }

    static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
}

/// What a lease's current state says the tenant should have been told (pure, level-triggered):
/// the caller publishes what is not yet in the lease's announced keys, then records the keys.
enum LeaseAnnouncements {
    static func due(for lease: ComputeLease, now: Date) -> [LeaseAnnouncement] {
        if lease.metadata.deletionTimestamp != nil { return [] }
        let status = lease.status ?? ComputeLeaseStatus()
        if let phase = status.phase, phase.isTerminal { return [] }
        var due: [LeaseAnnouncement] = []
        let timeline = lease.timeline
        let paidUntil = timeline.paidUntil
        let spec = lease.spec
        if let expiry = timeline.bidExpiresAt, expiry > now {
            let created = lease.metadata.creationTimestamp.flatMap { Timestamp(rfc3339: $0)?.date }
            due.append(.bid(ComputeBid(pricePerIntervalMsats: spec.pricePerIntervalMsats, intervalSeconds: spec.intervalSeconds,
                                       graceSeconds: spec.graceSeconds, durationSeconds: spec.durationSeconds,
                                       costs: MarketAnnotations.costs(of: lease), expiresAt: Int64(expiry.timeIntervalSince1970),
                                       rail: spec.paymentRail == .cashu ? .cashu : .lightning,
                                       escrowArbitrator: spec.escrow?.arbitrator, escrowWindowSeconds: spec.escrow?.disputeWindowSeconds),
                            createdAt: created))
        }
        for invoice in status.ledger?.invoices ?? [] where invoice.state == .open && invoice.expiresAt.date > now {
            due.append(.invoice(invoice, paidUntil: paidUntil))
        }
        if spec.paymentRail == .cashu, cashuTrancheDue(lease, paidUntil: paidUntil) {
            due.append(.cashuDue(tranche: status.ledger?.tranchesPaid ?? 0, amountMsats: spec.pricePerIntervalMsats, paidUntil: paidUntil))
        }
        if let paidUntil {
            due.append(.processing(paidUntil: paidUntil, paidAt: status.ledger?.lastPaymentAt?.date))
        }
        switch status.phase {
        case .provisioning?: due.append(.provisioning(paidUntil: paidUntil))
        case .running?:
            if let paidUntil { due.append(.running(status.endpoints ?? [], paidUntil: paidUntil)) }
        default: break
        }
        return due
    }

    /// Cashu is pushed by the tenant, so the provider asks for a tranche at the moment Lightning
    /// would invoice it: at once for the first, `lead` before paid-until for the next (billing
    /// records that moment as the ledger's state), and never past the requested duration.
    static func cashuTrancheDue(_ lease: ComputeLease, paidUntil: Date?) -> Bool {
        guard let paidUntil else { return true }
        if let durationEnds = lease.timeline.durationEndsAt, paidUntil >= durationEnds { return false }
        let state = lease.status?.ledger?.state
        return state == .invoiceDue || state == .grace
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
