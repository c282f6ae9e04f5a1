import Billing
import Foundation
import NostrBridge

/// The tenant's release of an escrowed tranche (draft §7.7): its signature on every proof,
/// NIP-44 encrypted to the provider in a kind 7901, so that the provider can swap the tranche.
public struct EscrowRelease: Sendable {
    public let key: SecretKey
    public let pool: RelayPool
    public let wallet: CashuWallet

    public init(key: SecretKey, pool: RelayPool, wallet: CashuWallet) {
        self.key = key
        self.pool = pool
        self.wallet = wallet
    }

    /// Releases `tranche` of `requestID` to `provider` (hex). nil when the wallet holds no such
    /// escrowed tranche (never escrowed, or already swapped and forgotten).
    public func release(requestID: String, tranche: Int, provider: String) async throws -> NostrEvent? {
        let state = try await wallet.store.withLock { try wallet.store.load() }
        guard let found = EscrowTranche.all(of: requestID, in: state).first(where: { $0.tranche == tranche }) else { return nil }
        return try await release(found, provider: provider)
    }

    public func release(_ tranche: EscrowTranche, provider: String) async throws -> NostrEvent {
        guard tranche.lock.tenant == key.publicKey else {
            throw TenantError(.request, "tranche \(tranche.tranche) of \(tranche.requestID) was locked for another tenant key")
        }
        let signatures = try CashuEscrowSignatures.sign(tranche.proofs, with: key)
        let event: NostrEvent
        do {
            event = try ComputeEscrowSignatures(purpose: .release, requestID: tranche.requestID, tranche: tranche.tranche, recipient: provider,
                                                signatures: signatures.byY).sign(with: key)
        } catch { throw TenantError(.request, "cannot sign the release: \(error)") }
        let outcomes = await pool.publish(event)
        guard outcomes.values.contains(where: \.isSuccess) else {
            throw TenantError(.relay, "no relay took the release of tranche \(tranche.tranche) (\(outcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")))")
        }
        return event
    }
}
