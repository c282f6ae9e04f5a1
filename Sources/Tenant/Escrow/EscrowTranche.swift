import Billing
import Foundation
import NostrBridge

/// One tranche the tenant paid into escrow (draft §7.7), as its wallet remembers it: the
/// proofs it handed over, whose lock names the provider's Cashu key, the tenant and the arbitrator.
public struct EscrowTranche: Sendable, Equatable {
    public var operationID: String
    public var requestID: String
    public var tranche: Int
    /// The provider's Nostr key (hex), when the wallet recorded it.
    public var provider: String?
    public var mint: String
    public var unit: String
    public var proofs: [CashuProof]
    public var lock: CashuEscrowLock

    public var amount: UInt64 { proofs.reduce(0) { $0 + $1.amount } }

    /// The reference an escrow operation carries: `<request id>:<tranche>`.
    public static func reference(requestID: String, tranche: Int) -> String { "\(requestID):\(tranche)" }

    /// Every escrowed tranche of `requestID` the wallet still holds a record of, oldest first.
    /// Operations whose proofs do not read as one escrow lock are not escrow and are skipped.
    public static func all(of requestID: String, in state: CashuWalletState) -> [EscrowTranche] {
        state.operations.compactMap { operation -> EscrowTranche? in
            guard operation.kind == .escrow, let reference = operation.reference, !operation.outgoing.isEmpty else { return nil }
            let parts = reference.split(separator: ":")
            guard parts.count == 2, String(parts[0]) == requestID, let tranche = Int(parts[1]),
                  let lock = try? CashuEscrowLock.read(secret: operation.outgoing[0].secret),
                  operation.outgoing.allSatisfy({ (try? CashuEscrowLock.read(secret: $0.secret)) == lock }) else { return nil }
            return EscrowTranche(operationID: operation.id, requestID: requestID, tranche: tranche, provider: operation.provider,
                                 mint: operation.mint, unit: operation.unit, proofs: operation.outgoing, lock: lock)
        }.sorted { $0.tranche < $1.tranche }
    }
}
