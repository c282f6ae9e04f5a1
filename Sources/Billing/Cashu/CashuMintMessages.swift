/// The JSON bodies of the mint endpoints this provider calls (NUT-01/02/03/07/09).

/// An output: a blinded secret for the mint to sign (NUT-00 `BlindedMessage`).
public struct CashuBlindedMessage: Sendable, Equatable, Codable {
    public var amount: UInt64
    public var id: String
    public var B_: String

    public init(amount: UInt64, id: String, B_: String) {
        self.amount = amount
        self.id = id
        self.B_ = B_
    }
}

/// The mint's signature on an output (NUT-00 `BlindSignature`), with its NUT-12 DLEQ proof.
public struct CashuBlindSignature: Sendable, Equatable, Codable {
    public struct DLEQ: Sendable, Equatable, Codable {
        public var e: String
        public var s: String
    }
    public var amount: UInt64
    public var id: String
    public var C_: String
    public var dleq: DLEQ?
}

/// NUT-07 proof states.
public enum CashuProofState: String, Sendable, Codable {
    case unspent = "UNSPENT"
    case pending = "PENDING"
    case spent = "SPENT"
}

struct CashuKeysetsResponse: Decodable { var keysets: [CashuKeysetInfo] }

struct CashuKeysResponse: Decodable {
    struct Keyset: Decodable {
        var id: String
        var unit: String
        var keys: [String: String]
        var input_fee_ppk: UInt64?
        var final_expiry: UInt64?
    }
    var keysets: [Keyset]
}

struct CashuCheckStateRequest: Encodable { var Ys: [String] }
struct CashuCheckStateResponse: Decodable {
    struct State: Decodable {
        var Y: String
        var state: CashuProofState
    }
    var states: [State]
}

struct CashuSwapRequest: Encodable {
    var inputs: [CashuProof]
    var outputs: [CashuBlindedMessage]
}
struct CashuSwapResponse: Decodable { var signatures: [CashuBlindSignature] }

struct CashuRestoreRequest: Encodable { var outputs: [CashuBlindedMessage] }
struct CashuRestoreResponse: Decodable {
    var outputs: [CashuBlindedMessage]?
    var signatures: [CashuBlindSignature]?
    /// The older name of `signatures`.
    var promises: [CashuBlindSignature]?
}

struct CashuMintErrorBody: Decodable {
    var detail: String?
    var code: Int?
}

/// What `/v1/info` says that the provider cares about (NUT-06).
public struct CashuMintInfo: Sendable, Equatable {
    public var name: String?
    public var version: String?
    public var pubkey: String?
    /// NUT numbers listed under `nuts` (not whether each is marked disabled).
    public var nuts: Set<Int>
}
