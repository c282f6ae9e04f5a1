/// Escrowed tranches (draft §7.7): Cashu locked to any two of provider, tenant and an arbitrator
/// the tenant names from this list, released by the tenant once served or decided by the arbitrator.
public struct EscrowSettings: Codable, Sendable, Equatable {
    /// Arbitrators' Nostr public keys (64 lowercase hex) this provider accepts.
    public var arbitrators: [String]
    /// After a tranche's paid-until: half of it for the tenant to release or dispute, the rest
    /// for the arbitrator; a lock must stay closed at least this long past the tranche.
    public var disputeWindowSeconds: Int
    /// The most escrowed tranches of one lease not yet released: a payment beyond it waits for a
    /// release, so a lease never runs further ahead of released money.
    public var maxUnreleasedTranches: Int

    public init(arbitrators: [String], disputeWindowSeconds: Int = ComputeDefaults.escrowDisputeWindowSeconds,
                maxUnreleasedTranches: Int = ComputeDefaults.escrowMaxUnreleasedTranches) {
        self.arbitrators = arbitrators
        self.disputeWindowSeconds = disputeWindowSeconds
        self.maxUnreleasedTranches = maxUnreleasedTranches
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        arbitrators = try container.decode([String].self, forKey: .arbitrators)
        disputeWindowSeconds = try container.decodeIfPresent(Int.self, forKey: .disputeWindowSeconds) ?? ComputeDefaults.escrowDisputeWindowSeconds
        maxUnreleasedTranches = try container.decodeIfPresent(Int.self, forKey: .maxUnreleasedTranches) ?? ComputeDefaults.escrowMaxUnreleasedTranches
    }

    static let schema = Schema.object("Take escrowed tranches (draft §7.7): ecash locked to any two of provider, tenant and an arbitrator "
        + "from this list, refundable to the tenant after a locktime.", [
        .required("arbitrators", .array(of: .string("An arbitrator's Nostr public key: 64 lowercase hex characters.").pattern(Patterns.hex64),
                                        "Arbitrators a tenant may name.").count(1...16).listSet()),
        .optional("disputeWindowSeconds", .integer("Seconds after a tranche's paid-until for release, dispute and decision; "
            + "every lock must stay closed at least this long past its tranche.").range(60...2_592_000)
            .defaulting(.integer(Int64(ComputeDefaults.escrowDisputeWindowSeconds)))),
        .optional("maxUnreleasedTranches", .integer("The most escrowed tranches of one lease not yet released; a further one is refused until "
            + "the tenant releases an earlier one.").range(1...16).defaulting(.integer(Int64(ComputeDefaults.escrowMaxUnreleasedTranches)))),
    ])
}

/// The escrow a lease is paid into: who arbitrates, and the window agreed in the bid.
public struct LeaseEscrow: Codable, Sendable, Equatable {
    public var arbitrator: String
    public var disputeWindowSeconds: Int

    public init(arbitrator: String, disputeWindowSeconds: Int) {
        self.arbitrator = arbitrator
        self.disputeWindowSeconds = disputeWindowSeconds
    }

    static let schema = Schema.object("Every tranche is paid into escrow (draft §7.7).", [
        .required("arbitrator", .string("The arbitrator's Nostr public key the tenant named: 64 lowercase hex characters.").pattern(Patterns.hex64)),
        .required("disputeWindowSeconds", .integer("Seconds after a tranche's paid-until for release, dispute and decision.").range(60...2_592_000)),
    ])
}

/// One escrowed payment of a lease, as the ledger counts it: locked until the tenant releases it
/// (or the arbitrator decides for the provider) and the provider swapped it.
public struct LedgerEscrow: Codable, Sendable, Equatable {
    /// The vault record holding the locked proofs (64 hex).
    public var id: String
    public var msats: Int64
    /// The tranche it paid first (0 is the first).
    public var tranche: Int
    /// The paid-until it reached when credited, and when the tenant can take it back alone.
    public var paidUntil: Timestamp?
    public var locktime: Timestamp
    public var state: LedgerEscrowState
    public var releasedAt: Timestamp?

    public init(id: String, msats: Int64, tranche: Int, paidUntil: Timestamp?, locktime: Timestamp, state: LedgerEscrowState = .locked,
                releasedAt: Timestamp? = nil) {
        self.id = id
        self.msats = msats
        self.tranche = tranche
        self.paidUntil = paidUntil
        self.locktime = locktime
        self.state = state
        self.releasedAt = releasedAt
    }

    static let schema = Schema.object("An escrowed payment.", [
        .required("id", .string("The vault record holding its proofs.").pattern(Patterns.hex64)),
        .required("msats", .integer("Its value, in millisatoshis.").range(ComputeLimits.msats)),
        .required("tranche", .integer("The tranche it paid first; 0 is the first.").minimum(0)),
        .optional("paidUntil", .dateTime("The paid-until it reached when credited.")),
        .required("locktime", .dateTime("After this the tenant can take it back alone.")),
        .required("state", .oneOf(LedgerEscrowState.self, "Locked (not yet earned) or Released (swapped by the provider).")),
        .optional("releasedAt", .dateTime("When the provider swapped it.")),
    ])
}

public enum LedgerEscrowState: String, Codable, Sendable, CaseIterable {
    case locked = "Locked"
    case released = "Released"
}
