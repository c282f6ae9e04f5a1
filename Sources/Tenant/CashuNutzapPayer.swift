import Billing
import Foundation
import NostrBridge

/// Pays a tranche on the Cashu rail: what `LeaseRunner` calls for a checked Cashu demand.
public protocol NutzapPayer: Sendable {
    /// Pays `msats` for `tranche` of the lease of `requestID` on the provider's `terms`, and
    /// returns the mint paid at.
    func pay(terms: ComputeCashuTerms, msats: Int64, tranche: Int, requestID: String, provider: String) async throws -> String
}

/// Pays from the tenant's own Cashu wallet with a NIP-61 nutzap (draft §7.3): proofs swapped at
/// one of the provider's mints into exactly the tranche's amount, P2PK-locked to the provider's
/// Cashu key, published as kind 9321 with `u`, `unit`, `e` (the request), `k` and `p` tags.
///
/// Paying is idempotent per tranche: the wallet records the nutzap under `<request>:<tranche>`
/// before publishing, so a retry publishes the same proofs again (the provider credits them once)
/// and a tranche already published is not paid twice.
public struct CashuNutzapPayer: NutzapPayer {
    public let wallet: CashuWallet
    public let key: SecretKey
    public let pool: RelayPool
    /// Set for a lease paid into escrow (draft §7.7): each tranche's proofs are locked to any two
    /// of provider, tenant and this arbitrator instead of the provider alone.
    public var escrow: EscrowTerms?

    public struct EscrowTerms: Sendable {
        public var arbitrator: PublicKey
        /// How far ahead of the payment the lock stays closed: past the tranche's end, the
        /// provider's dispute window, and a margin.
        public var lockSeconds: Int64

        /// A lock that outlasts any tranche paid now: two intervals (a renewal is paid `lead`
        /// before the old paid-until and reaches one interval past it), the window, ten minutes.
        public init(arbitrator: PublicKey, intervalSeconds: Int, disputeWindowSeconds: Int) {
            self.arbitrator = arbitrator
            lockSeconds = 2 * Int64(intervalSeconds) + Int64(disputeWindowSeconds) + 600
        }
    }

    public init(wallet: CashuWallet, key: SecretKey, pool: RelayPool) {
        self.wallet = wallet
        self.key = key
        self.pool = pool
    }

    public func pay(terms: ComputeCashuTerms, msats: Int64, tranche: Int, requestID: String, provider: String) async throws -> String {
        let reference = "\(requestID):\(tranche)"
        var operation = try await wallet.operation(reference: reference)
        if operation?.state == .delivered, let operation { return operation.mint }
        if operation == nil || operation?.state == .prepared {
            if operation?.state == .prepared {
                throw TenantError(.payment, "an earlier nutzap for tranche \(tranche) is still being settled with the mint; `ncn wallet balance` finishes it")
            }
            let choice: (mint: ComputeMint, amount: UInt64)
            do { choice = try await mint(for: terms, msats: msats) } catch {
                // Ecash an earlier, interrupted run left in an unfinished exchange is not
                // spendable until that exchange is settled: settle, then look again.
                guard let notes = try? await wallet.recover(), !notes.isEmpty else { throw error }
                choice = try await mint(for: terms, msats: msats)
            }
            if let escrow {
                guard let providerKey = try? PublicKey(hex: String(terms.p2pk.dropFirst(2))) else {
                    throw TenantError(.payment, "the provider's Cashu key \(terms.p2pk) is not a key escrow can lock to")
                }
                let lock = CashuEscrowLock(provider: providerKey, tenant: key.publicKey, arbitrator: escrow.arbitrator,
                                           locktime: Int64(Date().timeIntervalSince1970) + escrow.lockSeconds)
                operation = try await wallet.spend(choice.amount, mint: choice.mint.url, unit: choice.mint.unit, kind: .escrow, escrow: lock,
                                                   reference: reference, provider: provider)
            } else {
                operation = try await wallet.spend(choice.amount, mint: choice.mint.url, unit: choice.mint.unit, kind: .nutzap, lock: terms.p2pk,
                                                   reference: reference, provider: provider)
            }
        }
        guard let operation else { throw TenantError(.payment, "no nutzap was made") }
        let event = try Self.event(operation: operation, mintURL: terms.mints.first { CashuMintURL.normalize($0.url) == operation.mint }?.url ?? operation.mint,
                                   requestID: requestID, provider: provider, key: key)
        let outcomes = await pool.publish(event)
        guard outcomes.values.contains(where: \.isSuccess) else {
            let why = outcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            throw TenantError(.relay, "no relay took the nutzap (\(why)); the locked proofs are kept and published again on the next try")
        }
        try await wallet.delivered(operation.id)
        return operation.mint
    }

    /// The first of the provider's mints (in its order) where the wallet holds enough, and the
    /// amount in that mint's unit.
    private func mint(for terms: ComputeCashuTerms, msats: Int64) async throws -> (mint: ComputeMint, amount: UInt64) {
        var considered: [String] = []
        for mint in terms.mints {
            let amount: UInt64
            switch mint.unit {
            case "sat":
                guard msats > 0, msats % 1000 == 0 else { considered.append("\(mint.url) counts in sat, and \(msats) msats is no whole sat"); continue }
                amount = UInt64(msats / 1000)
            case "msat":
                amount = UInt64(max(msats, 0))
            default:
                considered.append("\(mint.url) counts in \(mint.unit), which ncn cannot price")
                continue
            }
            let have = try await wallet.spendable(mint: mint.url, unit: mint.unit)
            if have >= amount { return (mint, amount) }
            considered.append("\(have) \(mint.unit) at \(mint.url)")
        }
        let first = terms.mints.first?.url ?? "MINT"
        throw TenantError(.payment, "the Cashu wallet cannot pay \(msats) msats at the provider's mints (\(considered.joined(separator: "; "))): "
            + "add ecash with `ncn wallet mint AMOUNT --mint \(first)`")
    }

    /// The kind 9321 for a signed nutzap operation.
    static func event(operation: CashuWalletOperation, mintURL: String, requestID: String, provider: String, key: SecretKey) throws -> NostrEvent {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var tags: [[String]] = []
        for proof in operation.outgoing {
            tags.append(["proof", String(decoding: try encoder.encode(proof), as: UTF8.self)])
        }
        tags += [["u", mintURL], ["unit", operation.unit], ["e", requestID], ["k", String(ComputeKinds.request)], ["p", provider]]
        do { return try EventBuilder(kind: ComputeKinds.nutzap, content: "", tags: tags).sign(with: key) } catch {
            throw TenantError(.payment, "cannot sign the nutzap: \(error)")
        }
    }
}
