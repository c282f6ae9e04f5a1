import Billing
import Foundation
import NostrBridge

/// The tenant's side of a dispute (draft §7.7): taking a tranche to the arbitrator, and taking
/// the ecash back with the arbitrator's decision, or alone once the locktime has passed.
public struct EscrowDispute: Sendable {
    public let key: SecretKey
    public let pool: RelayPool
    public var timeout: Duration = .seconds(8)

    public init(key: SecretKey, pool: RelayPool) {
        self.key = key
        self.pool = pool
    }

    /// Publishes the kind 7900 `escrow-dispute` for `tranche`; returns the event and the relays that took it.
    public func dispute(_ tranche: EscrowTranche, reason: String, evidence: [String] = []) async throws(TenantError) -> (event: NostrEvent, relays: [String]) {
        guard tranche.lock.tenant == key.publicKey else {
            throw TenantError(.request, "tranche \(tranche.tranche) of \(tranche.requestID) was locked for another tenant key: dispute it with that key")
        }
        guard let provider = tranche.provider else {
            throw TenantError(.request, "the wallet did not record which provider tranche \(tranche.tranche) paid, so the dispute cannot name it")
        }
        let report = ComputeEscrowReport(category: .dispute, text: reason, requestID: tranche.requestID, tranche: tranche.tranche, counterparty: provider,
                                         arbitrator: tranche.lock.arbitrator.hex, mint: tranche.mint, secrets: tranche.proofs.map(\.secret),
                                         evidence: evidence)
        let event: NostrEvent
        do { event = try report.sign(with: key) } catch { throw TenantError(.request, "cannot sign the dispute: \(error)") }
        return (event, try await publish(event, what: "dispute"))
    }

    /// The arbitrator's decision for us on `tranche`, checked: signed by the arbitrator the lock
    /// names, addressed to us, about this request and tranche, with a valid signature on every
    /// proof. A decision from any other key, or one that does not cover the proofs, is ignored.
    public func decision(for tranche: EscrowTranche) async throws(TenantError) -> CashuEscrowSignatures? {
        let filter = Filter(authors: [tranche.lock.arbitrator.hex], kinds: [ComputeKinds.escrowSignatures],
                            tags: ["e": [tranche.requestID], "p": [key.publicKey.hex]])
        guard let events = await pool.stored([filter], timeout: timeout) else {
            throw TenantError(.relay, "the relays did not answer within \(timeout): check --relay")
        }
        for event in events.sorted(by: { $0.createdAt > $1.createdAt }) where event.pubkey == tranche.lock.arbitrator.hex {
            guard (try? event.validate()) != nil,
                  let read = try? ComputeEscrowSignatures.parse(event, key: key), read.purpose == .decision,
                  read.requestID == tranche.requestID, read.tranche == tranche.tranche, read.recipient == key.publicKey.hex else { continue }
            let signatures = CashuEscrowSignatures(byY: read.signatures)
            if signatures.covers(tranche.proofs, by: tranche.lock.arbitrator) { return signatures }
        }
        return nil
    }

    /// Takes the tranche back into the wallet: with the arbitrator's decision, or alone after the
    /// locktime. Removes the wallet's record of the tranche. Returns the amount received and how.
    public func reclaim(_ tranche: EscrowTranche, wallet: CashuWallet, now: Date = Date()) async throws -> (amount: UInt64, how: String) {
        let mine: CashuEscrowSignatures
        do { mine = try CashuEscrowSignatures.sign(tranche.proofs, with: key) } catch {
            throw TenantError(.request, "cannot sign tranche \(tranche.tranche): \(error)")
        }
        let proofs: [CashuProof]
        let how: String
        if let decided = try await decision(for: tranche) {
            proofs = try CashuEscrowSignatures.witnessed(tranche.proofs, by: [mine, decided])
            how = "with the arbitrator's decision"
        } else if Int64(now.timeIntervalSince1970) > tranche.lock.locktime {
            proofs = try CashuEscrowSignatures.witnessed(tranche.proofs, by: [mine])
            how = "alone, after the locktime"
        } else {
            let when = Date(timeIntervalSince1970: TimeInterval(tranche.lock.locktime))
            throw TenantError(.payment, "tranche \(tranche.tranche) of \(tranche.requestID) is still locked: there is no decision for you from arbitrator "
                + "\(NIP19.encodeNpub(tranche.lock.arbitrator)) yet, and you can take it back alone only after \(ISO8601DateFormatter().string(from: when)); "
                + "run this again after the decision, or after that time")
        }
        let received = try await wallet.reclaim(proofs, mint: tranche.mint, unit: tranche.unit)
        try await wallet.store.withLock { try wallet.store.update { $0.operations.removeAll { $0.id == tranche.operationID } } }
        return (received.amount, how)
    }

    private func publish(_ event: NostrEvent, what: String) async throws(TenantError) -> [String] {
        let outcomes = await pool.publish(event)
        let accepted = outcomes.filter(\.value.isSuccess).keys.sorted()
        guard !accepted.isEmpty else {
            throw TenantError(.relay, "no relay took the \(what) (\(outcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")))")
        }
        return accepted
    }
}
