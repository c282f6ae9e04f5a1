/// One piece of ecash (NUT-00 `Proof`): the mint's unblinded signature `C` on `secret`.
/// Whoever holds it can spend it, so it is never logged: `description` shows only amount and keyset.
public struct CashuProof: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var amount: UInt64
    /// The keyset id as hex; in a V4 token possibly the 8-byte short form until the redeemer expands it.
    public var id: String
    public var secret: String
    /// The signature, a compressed point as 66 hex digits.
    public var C: String
    /// NUT-11 witness, a JSON string such as `{"signatures":[…]}`.
    public var witness: String?
    public var dleq: CashuProofDLEQ?

    public init(amount: UInt64, id: String, secret: String, C: String, witness: String? = nil, dleq: CashuProofDLEQ? = nil) {
        self.amount = amount
        self.id = id
        self.secret = secret
        self.C = C
        self.witness = witness
        self.dleq = dleq
    }

    public var description: String { "CashuProof(\(amount) from keyset \(id), <redacted>)" }
}

extension CashuProof: CustomReflectable {
    /// `dump` and debuggers see the same redacted view.
    public var customMirror: Mirror { Mirror(self, children: ["amount": amount, "id": id], displayStyle: .struct) }
}

/// The DLEQ proof a sender attaches to a proof (NUT-12): challenge `e`, response `s` and the
/// sender's blinding factor `r`, each 32 bytes as hex.
public struct CashuProofDLEQ: Sendable, Equatable, Hashable, Codable {
    public var e: String
    public var s: String
    public var r: String

    public init(e: String, s: String, r: String) {
        self.e = e
        self.s = s
        self.r = r
    }
}
