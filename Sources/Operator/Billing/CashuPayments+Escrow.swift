import Billing
import ComputeAPI
import Foundation
import KubeClient
import Logging
import Metrics
import NostrBridge

/// Escrowed tranches (draft §7.7): checked and held unswapped, credited as locked; swapped and
/// marked earned when the tenant's release or the arbitrator's decision gives the second signature.
///
/// Crash safety rests on the order hold → credit → mark credited, and swap → release in the
/// ledger → mark the swap credited → delete the hold. `recoverEscrow()` finishes whichever step
/// a crash interrupted: a hold not credited is credited, a swap whose hold still exists is a
/// release, never a second payment.
extension CashuPayments {
    /// Checks and holds an escrowed payment for the lease and credits it as locked.
    func payEscrowed(lease: ComputeLease, escrow: LeaseEscrow, token text: String) async throws -> CashuRedemption {
        let name = lease.metadata.name ?? ""
        guard let settings = billing.provider.current?.spec.payments.cashu?.escrow else { throw CashuPaymentError.escrowOff }
        let token = try CashuRedeemer.decode(text)
        guard let tenant = try? PublicKey(hex: lease.spec.tenantPubkey), let arbitrator = try? PublicKey(hex: escrow.arbitrator),
              let terms = BillingPlanner.terms(for: lease, invoiceLeadSeconds: billing.provider.current?.spec.billing.invoiceLeadSeconds ?? ComputeDefaults.invoiceLeadSeconds)
        else { throw CashuPaymentError.ended(name) }
        let locked = LedgerBook.lockedEscrow(in: lease.status)
        guard locked < settings.maxUnreleasedTranches else { throw CashuPaymentError.escrowExposure(name, locked: locked) }
        let faceMsats = Int64(clamping: token.amount).multipliedReportingOverflow(by: CashuRedeemerConfiguration.msatsPerUnit(token.unit ?? "sat") ?? 1000).partialValue
        let minimum = LedgerBook.minimumEscrowLocktime(msats: faceMsats, status: lease.status, terms: terms,
                                                       window: escrow.disputeWindowSeconds, now: billing.now())
        let record = try await redeemer().holdEscrow(token, reference: name,
                                                    expecting: CashuEscrowExpectation(tenant: tenant, arbitrator: arbitrator, minimumLocktime: minimum))
        try await creditHeld(record, maxLocked: settings.maxUnreleasedTranches, lease: lease)
        guard let redemption = record.redemption else { throw CashuPaymentError.ended(name) }
        return redemption
    }

    /// Swaps every escrowed payment of the lease that `signatures` (by the lease's tenant or its
    /// arbitrator, checked here) cover, and marks it earned. Returns the msats released.
    @discardableResult
    public func release(lease name: String, signatures: CashuEscrowSignatures) async throws -> Int64 {
        var released: Int64 = 0
        for record in try await vault.records() where record.state == .escrowed && record.reference == name {
            guard let hold = record.escrow, let tenant = try? PublicKey(hex: hold.tenant), let arbitrator = try? PublicKey(hex: hold.arbitrator),
                  signatures.covers(record.swap.inputs, by: tenant) || signatures.covers(record.swap.inputs, by: arbitrator) else { continue }
            if hold.cosignatures == nil {
                try await vault.modify(id: record.id) { $0.escrow?.cosignatures = signatures.byY; $0.updatedAt = Date() }
            }
            let token = CashuToken(mint: record.swap.mint, unit: record.swap.unit, proofs: record.swap.inputs)
            let swapped: CashuRedemption
            do {
                swapped = try await redeemer().redeem(token, reference: name, cosignatures: signatures)
            } catch let error as CashuError where error.isAlreadySpent {
                // Ours already (a crash after the swap): recovery finishes it. Anyone else's: the
                // tenant took it back with the arbitrator, or after the locktime.
                guard let done = try await vault.record(id: hold.swapID), done.state == .received else {
                    logger.warning("escrowed ecash was spent by someone else before its release", metadata: ["lease": "\(name)", "hold": "\(record.id)"])
                    continue
                }
                try await finishRelease(record, swapID: hold.swapID)
                continue
            }
            try await finishRelease(record, swapID: swapped.id)
            released += record.redemption?.amountMsats ?? 0
            Counter(label: "ncn_escrow_released_msats_total").increment(by: Int(clamping: record.redemption?.amountMsats ?? 0))
        }
        return released
    }

    /// Finishes escrow steps a crash interrupted; see the type's comment.
    func recoverEscrow() async throws {
        let records = try await vault.records()
        let holds = Dictionary(records.filter { $0.state == .escrowed }.compactMap { record in record.escrow.map { ($0.swapID, record) } },
                               uniquingKeysWith: { first, _ in first })
        for record in records where record.state == .escrowed && !record.credited {
            let maxLocked = billing.provider.current?.spec.payments.cashu?.escrow?.maxUnreleasedTranches ?? ComputeDefaults.escrowMaxUnreleasedTranches
            do { try await creditHeld(record, maxLocked: maxLocked, lease: nil) } catch let error as KubernetesError where error.isNotFound {
                logger.warning("an escrowed payment's lease no longer exists; the proofs stay in the vault", metadata: ["hold": "\(record.id)"])
            } catch let error as CashuPaymentError {
                logger.info("an escrowed payment waits for an earlier release", metadata: ["hold": "\(record.id)", "why": "\(error)"])
            }
        }
        for record in records where record.state == .received {
            guard let hold = holds[record.id] else { continue }
            try await finishRelease(hold, swapID: record.id)
        }
        // Released, but the swap did not happen (the mint did not answer): try it again.
        for record in records where record.state == .escrowed {
            guard let signatures = record.escrow?.cosignatures, records.first(where: { $0.id == record.escrow?.swapID })?.state != .received else { continue }
            do { try await release(lease: record.reference, signatures: CashuEscrowSignatures(byY: signatures)) } catch {
                logger.warning("a released escrow payment is not swapped yet", metadata: ["hold": "\(record.id)", "error": "\(error)"])
            }
        }
    }

    /// Vault ids of received swaps that are escrow releases: recovery must not credit them as payments.
    func releaseSwapIDs() async throws -> Set<String> {
        Set(try await vault.records().filter { $0.state == .escrowed }.compactMap { $0.escrow?.swapID })
    }

    private func creditHeld(_ record: EcashRecord, maxLocked: Int, lease known: ComputeLease?) async throws {
        guard let redemption = record.redemption, let hold = record.escrow else { return }
        let (outcome, lease) = try await billing.creditEscrow(holdID: record.id, lease: redemption.reference, msats: redemption.amountMsats,
                                                              locktime: hold.locktime, maxLocked: maxLocked)
        switch outcome {
        case .credited, .alreadyCredited:
            let entry = lease?.status?.ledger?.escrow?.first { $0.id == record.id }
            try await vault.modify(id: record.id) {
                $0.credited = true
                $0.updatedAt = Date()
                $0.escrow?.requestID = lease?.spec.requestEventId ?? known?.spec.requestEventId
                $0.escrow?.tranche = entry?.tranche
                $0.escrow?.paidUntil = entry?.paidUntil.map { Int64($0.date.timeIntervalSince1970) }
                $0.escrow?.disputeWindowSeconds = (lease ?? known)?.spec.escrow?.disputeWindowSeconds
            }
        case let .exposureReached(locked):
            // Held, not credited: recovery credits it once an earlier tranche is released.
            throw CashuPaymentError.escrowExposure(redemption.reference, locked: locked)
        }
    }

    private func finishRelease(_ hold: EcashRecord, swapID: String) async throws {
        do { _ = try await billing.releaseEscrow(lease: hold.reference, holdID: hold.id) } catch let error as KubernetesError where error.isNotFound {
            // The lease ended and is gone (its last tranche is released after it): the swap is the
            // provider's money all the same; the ledger it would have updated no longer exists.
        }
        try await vault.markCredited(id: swapID)
        try await vault.delete(id: hold.id, ifStill: .escrowed)
        logger.notice("escrowed ecash released and swapped", metadata: ["lease": "\(hold.reference)", "hold": "\(hold.id)",
                                                                         "msats": "\(hold.redemption?.amountMsats ?? 0)"])
    }
}

extension BillingController {
    /// Credits a held escrowed payment to its lease as locked, once.
    func creditEscrow(holdID: String, lease name: String, msats: Int64, locktime: Int64, maxLocked: Int) async throws
        -> (LedgerBook.EscrowCreditOutcome, ComputeLease?) {
        let lease = try await client.get(ComputeLease.self, name: name)
        let lead = provider.current?.spec.billing.invoiceLeadSeconds ?? ComputeDefaults.invoiceLeadSeconds
        guard let terms = BillingPlanner.terms(for: lease, invoiceLeadSeconds: lead) else { return (.alreadyCredited, lease) }
        var outcome = LedgerBook.EscrowCreditOutcome.alreadyCredited
        let written = try await updateStatus(of: name) { _, status in
            outcome = LedgerBook.creditEscrow(holdID: holdID, msats: msats, locktime: locktime, maxLocked: maxLocked, in: &status, terms: terms, now: self.now())
            if case .credited = outcome { return true }
            return false
        }
        if let written, case let .credited(tranches, paidUntil) = outcome {
            let credit = LedgerCredit(id: "cashu:\(holdID)", rail: .cashu, msats: msats, at: Timestamp(now()))
            Counter(label: "ncn_payments_credited_total", dimensions: [("rail", "cashu-escrow")]).increment()
            let until = paidUntil.map { "; paid until \(Timestamp($0))" } ?? ""
            await EventRecorder(client: client, logger: logger).record(.normal, reason: "EscrowReceived",
                message: "Received \(msats) msats in escrow (locked until the tenant releases it): \(tranches) tranche(s)\(until).",
                about: LeaseReconciler.reference(written))
            await notifier.paymentCredited(credit, lease: written)
            return (outcome, written)
        }
        return (outcome, try? await client.get(ComputeLease.self, name: name))
    }

    /// Marks an escrowed payment earned; false when it was already.
    func releaseEscrow(lease name: String, holdID: String) async throws -> Bool {
        var changed = false
        let written = try await updateStatus(of: name) { _, status in
            changed = LedgerBook.releaseEscrow(holdID: holdID, in: &status, now: self.now())
            return changed
        }
        if let written, changed {
            await EventRecorder(client: client, logger: logger).record(.normal, reason: "EscrowReleased",
                message: "An escrowed payment was released and swapped: it is earned.", about: LeaseReconciler.reference(written))
        }
        return changed
    }
}
