import Billing
import ComputeAPI
import Foundation

/// The ledger's edits for escrowed payments (draft §7.7). An escrowed payment is credited like
/// any other (it buys paid time) and listed as locked; its release marks it earned.
extension LedgerBook {
    /// The minimum locktime of a payment of `msats` to this lease: the paid-until it would reach,
    /// plus the dispute window.
    static func minimumEscrowLocktime(msats: Int64, status: ComputeLeaseStatus?, terms: BillingTerms, window: Int, now: Date) -> Int64 {
        let balance = saturatingSum(status?.ledger?.balanceMsats ?? 0, msats)
        let tranches = max(1, balance / max(1, terms.pricePerIntervalMsats))
        let start = max(status?.paidUntil?.date ?? now, now)
        let reach = start.addingTimeInterval(TimeInterval(min(tranches, 10_000)) * TimeInterval(terms.intervalSeconds))
        return Int64(reach.timeIntervalSince1970) + Int64(window)
    }

    /// How many escrowed payments of the lease are still locked.
    static func lockedEscrow(in status: ComputeLeaseStatus?) -> Int {
        (status?.ledger?.escrow ?? []).filter { $0.state == .locked }.count
    }

    /// Credits an escrowed payment once, unless the lease already holds `maxLocked` locked ones
    /// (the provider's exposure): then nothing changes and the outcome says so.
    static func creditEscrow(
        holdID: String, msats: Int64, locktime: Int64, maxLocked: Int, in status: inout ComputeLeaseStatus, terms: BillingTerms, now: Date
    ) -> EscrowCreditOutcome {
        let creditID = "cashu:\(holdID)"
        if (status.ledger?.credits ?? []).contains(where: { $0.id == creditID }) { return .alreadyCredited }
        guard lockedEscrow(in: status) < maxLocked else { return .exposureReached(locked: lockedEscrow(in: status)) }
        let tranche = status.ledger?.tranchesPaid ?? 0
        let outcome = credit(id: creditID, rail: .cashu, msats: msats, in: &status, terms: terms, now: now)
        guard case let .credited(tranches, paidUntil) = outcome else { return .alreadyCredited }
        var ledger = status.ledger ?? LedgerSummary()
        let entry = LedgerEscrow(id: holdID, msats: msats, tranche: tranche, paidUntil: paidUntil.map(Timestamp.init),
                                 locktime: Timestamp(Date(timeIntervalSince1970: TimeInterval(locktime))))
        ledger.escrow = prunedEscrow((ledger.escrow ?? []) + [entry])
        ledger.escrowedMsats = saturatingSum(ledger.escrowedMsats ?? 0, msats)
        status.ledger = ledger
        return .credited(tranches: tranches, paidUntil: paidUntil)
    }

    enum EscrowCreditOutcome: Equatable {
        case alreadyCredited
        case credited(tranches: Int, paidUntil: Date?)
        case exposureReached(locked: Int)
    }

    /// Marks an escrowed payment released (swapped by the provider: now earned); false when it
    /// is unknown or released already.
    static func releaseEscrow(holdID: String, in status: inout ComputeLeaseStatus, now: Date) -> Bool {
        guard var ledger = status.ledger, var entries = ledger.escrow,
              let index = entries.firstIndex(where: { $0.id == holdID && $0.state == .locked }) else { return false }
        entries[index].state = .released
        entries[index].releasedAt = Timestamp(now)
        let left = (ledger.escrowedMsats ?? 0) - entries[index].msats
        ledger.escrowedMsats = left > 0 ? left : nil
        ledger.escrow = prunedEscrow(entries)
        status.ledger = ledger
        return true
    }

    /// Every locked entry, and the newest released ones, within the schema's bound.
    static func prunedEscrow(_ entries: [LedgerEscrow]) -> [LedgerEscrow] {
        guard entries.count > LedgerSummary.keptEscrow else { return entries }
        var excess = entries.count - LedgerSummary.keptEscrow
        return entries.filter { entry in
            guard excess > 0, entry.state != .locked else { return true }
            excess -= 1
            return false
        }
    }
}
