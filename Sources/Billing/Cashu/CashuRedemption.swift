import Foundation

/// Ecash the provider now holds because a tenant paid with a token: what billing credits.
public struct CashuRedemption: Sendable, Equatable, Hashable, Codable {
    /// SHA256 (hex) of the token's sorted input `Y`s: the same token always gets the same id,
    /// so crediting by id happens exactly once however often the token is presented.
    public var id: String
    /// What the payment was for (the lease), as the caller passed it.
    public var reference: String
    /// Normalized mint URL.
    public var mint: String
    public var unit: String
    /// What the provider received, in `unit`, after the mint's input fee.
    public var amount: UInt64
    public var amountMsats: Int64
    /// The token's face value minus `amount`.
    public var fee: UInt64
    public var redeemedAt: Date

    public init(id: String, reference: String, mint: String, unit: String, amount: UInt64, amountMsats: Int64, fee: UInt64, redeemedAt: Date) {
        self.id = id
        self.reference = reference
        self.mint = mint
        self.unit = unit
        self.amount = amount
        self.amountMsats = amountMsats
        self.fee = fee
        self.redeemedAt = redeemedAt
    }
}

/// One output the provider asked the mint to sign. The secret and blinding factor are what turn
/// the mint's signature into spendable ecash, so they are stored before the mint sees `blinded`.
public struct CashuPreparedOutput: Sendable, Equatable, Codable {
    public var amount: UInt64
    public var keysetID: String
    public var secret: String
    /// r, 32 bytes hex.
    public var blindingFactor: String
    /// B_ = Y + r·G, compressed hex.
    public var blinded: String

    public init(amount: UInt64, keysetID: String, secret: String, blindingFactor: String, blinded: String) {
        self.amount = amount
        self.keysetID = keysetID
        self.secret = secret
        self.blindingFactor = blindingFactor
        self.blinded = blinded
    }

    var message: CashuBlindedMessage { CashuBlindedMessage(amount: amount, id: keysetID, B_: blinded) }
}

extension CashuPreparedOutput: CustomStringConvertible, CustomReflectable {
    public var description: String { "CashuPreparedOutput(\(amount) on keyset \(keysetID), <redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: ["amount": amount, "keysetID": keysetID], displayStyle: .struct) }
}

/// A swap that was (or is about to be) sent to the mint: everything needed to finish it after a crash.
public struct CashuPendingSwap: Sendable, Equatable, Codable {
    public var id: String
    public var reference: String
    public var mint: String
    public var unit: String
    /// The tenant's proofs with full keyset ids and any witnesses, exactly as sent to the mint.
    public var inputs: [CashuProof]
    public var outputs: [CashuPreparedOutput]
    public var fee: UInt64
    public var createdAt: Date

    public init(id: String, reference: String, mint: String, unit: String, inputs: [CashuProof], outputs: [CashuPreparedOutput], fee: UInt64, createdAt: Date) {
        self.id = id
        self.reference = reference
        self.mint = mint
        self.unit = unit
        self.inputs = inputs
        self.outputs = outputs
        self.fee = fee
        self.createdAt = createdAt
    }
}

/// What the vault keeps per redemption, from before the swap until forever (it is the provider's money).
public struct EcashRecord: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        /// Outputs prepared and possibly sent; the mint may or may not have signed them.
        case pending
        /// The mint's signatures are unblinded and the proofs in `proofs` belong to the provider.
        case received
        /// The mint refused the swap for good (e.g. the sender spent the token elsewhere first).
        case abandoned
        /// Escrowed proofs (draft §7.7), checked and held unswapped in `swap.inputs` until a
        /// second signature (the tenant's release, the arbitrator's decision) lets us swap them.
        case escrowed
    }

    public var id: String
    public var reference: String
    public var state: State
    public var swap: CashuPendingSwap
    /// The provider's new proofs; empty until `received`.
    public var proofs: [CashuProof]
    public var redemption: CashuRedemption?
    /// Billing has recorded the credit; set once, after `received`.
    public var credited: Bool
    public var note: String?
    public var updatedAt: Date
    /// For an escrowed record: the lock and the id the release's swap will have.
    public var escrow: EcashEscrowHold?

    public init(pending swap: CashuPendingSwap, at date: Date = Date()) {
        id = swap.id
        reference = swap.reference
        state = .pending
        self.swap = swap
        proofs = []
        redemption = nil
        credited = false
        note = nil
        updatedAt = date
    }
}

/// What the provider knows about escrowed proofs it holds.
public struct EcashEscrowHold: Sendable, Equatable, Codable {
    /// The earliest locktime among the proofs: after it the tenant can take them back alone.
    public var locktime: Int64
    /// The tenant's and the arbitrator's keys (hex), as the locks name them.
    public var tenant: String
    public var arbitrator: String
    /// The id of the swap that releases them (the proofs' redemption id).
    public var swapID: String
    /// The co-signatures of a release or decision, kept before the swap so that recovery can
    /// finish a swap the mint did not answer.
    public var cosignatures: [String: String]?
    /// The 7900 `escrow-unreleased` the provider published to the arbitrator, once.
    public var claimID: String?
    /// Set when credited, so that release and claim work after the lease is gone: the request,
    /// the tranche, the paid-until it reached and the dispute window.
    public var requestID: String?
    public var tranche: Int?
    public var paidUntil: Int64?
    public var disputeWindowSeconds: Int?

    public init(locktime: Int64, tenant: String, arbitrator: String, swapID: String) {
        self.locktime = locktime
        self.tenant = tenant
        self.arbitrator = arbitrator
        self.swapID = swapID
    }

    /// The vault id of escrowed proofs whose release swap has id `swapID`: distinct from it, so
    /// both records can exist while a release is under way.
    public static func holdID(swapID: String) -> String { CashuHex.encode(cashuSHA256(Array("escrow:\(swapID)".utf8))) }

    /// The vault id of the escrowed proofs whose Ys (compressed hex) are exactly `ys`: how a
    /// release or decision for one tranche finds its proofs with one read. nil when one is not a point.
    public static func holdID(ys: [String]) -> String? {
        let points = ys.compactMap(CashuPoint.init(hex:))
        guard points.count == ys.count, !points.isEmpty else { return nil }
        return holdID(swapID: CashuOutputs.redemptionID(ys: points))
    }
}
