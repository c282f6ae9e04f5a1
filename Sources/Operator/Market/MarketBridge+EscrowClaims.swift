import Billing
import ComputeAPI
import Foundation
import KubeClient
import Metrics
import NostrBridge

extension MarketBridge {
    /// How often held escrow is looked at for tranches the tenant neither released nor disputed.
    static let escrowClaimPeriod: Duration = .seconds(10)

    /// Asks the arbitrator for its signature (a 7900 `escrow-unreleased`, draft §7.7) on every
    /// escrowed tranche still locked at its paid-until plus half the dispute window: the tenant
    /// had its time to release or dispute, and the arbitrator still has half the window before
    /// the locktime. Once per tranche; the arbitrator's decision arrives as a 7901 like a release.
    func claimUnreleasedEscrow(key: SecretKey) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: Self.escrowClaimPeriod) } catch { return }
            guard let cashu, provider.current?.spec.payments.cashu?.escrow != nil else { continue }
            do {
                for hold in try await cashu.vault.records() where hold.state == .escrowed && hold.credited && hold.escrow?.claimID == nil {
                    await claim(hold, cashu: cashu, key: key)
                }
            } catch {
                logger.warning("cannot look for unreleased escrow", metadata: ["error": "\(error)"])
            }
        }
    }

    private func claim(_ hold: EcashRecord, cashu: CashuPayments, key: SecretKey) async {
        guard let escrow = hold.escrow, let requestID = escrow.requestID, let tranche = escrow.tranche, let paidUntil = escrow.paidUntil,
              let window = escrow.disputeWindowSeconds,
              Int64(now().timeIntervalSince1970) >= paidUntil + Int64(window / 2) else { return }
        let report = ComputeEscrowReport(
            category: .unreleased,
            text: "tranche \(tranche) was served until \(Timestamp(Date(timeIntervalSince1970: TimeInterval(paidUntil)))) and the tenant "
                + "neither released nor disputed it",
            requestID: requestID, tranche: tranche, counterparty: escrow.tenant, arbitrator: escrow.arbitrator,
            mint: hold.swap.mint, secrets: hold.swap.inputs.map(\.secret))
        do {
            let event = try report.sign(with: key)
            // The lease may be gone (it ended); its relays are then the provider's own.
            let published = if let lease = leases.get(ObjectKey(name: hold.reference)) { await publish(event, for: lease) } else { await publish(event) }
            guard published else { return }
            try await cashu.vault.modify(id: hold.id) { $0.escrow?.claimID = event.id; $0.updatedAt = Date() }
            Counter(label: "ncn_escrow_claims_total").increment()
            logger.notice("asked the arbitrator for an unreleased escrowed tranche",
                          metadata: ["lease": "\(hold.reference)", "tranche": "\(tranche)", "claim": "\(event.id)"])
        } catch {
            logger.warning("cannot claim an unreleased escrowed tranche", metadata: ["lease": "\(hold.reference)", "error": "\(error)"])
        }
    }
}
