import Foundation

/// One keyset as the mint lists it in `/v1/keysets` (NUT-02): no keys, just its terms.
public struct CashuKeysetInfo: Sendable, Equatable, Codable {
    public var id: String
    public var unit: String
    public var active: Bool
    /// Fee per input in parts per thousand of the unit; absent means 0.
    public var input_fee_ppk: UInt64?
    public var final_expiry: UInt64?

    public init(id: String, unit: String, active: Bool, input_fee_ppk: UInt64? = nil, final_expiry: UInt64? = nil) {
        self.id = id
        self.unit = unit
        self.active = active
        self.input_fee_ppk = input_fee_ppk
        self.final_expiry = final_expiry
    }
}

/// A keyset with its public keys, one per amount (NUT-01, `/v1/keys/{id}`).
public struct CashuKeyset: Sendable, Equatable {
    public var id: String
    public var unit: String
    /// Amount → compressed public key as hex.
    public var keys: [UInt64: String]
    public var inputFeePPK: UInt64
    public var finalExpiry: UInt64?

    public init(id: String, unit: String, keys: [UInt64: String], inputFeePPK: UInt64 = 0, finalExpiry: UInt64? = nil) {
        self.id = id
        self.unit = unit
        self.keys = keys
        self.inputFeePPK = inputFeePPK
        self.finalExpiry = finalExpiry
    }

    func key(for amount: UInt64) -> CashuPoint? { keys[amount].flatMap(CashuPoint.init(hex:)) }

    /// The ids these keys may carry (NUT-02), empty for a version this code does not know.
    /// Version 00: "00" + the first 7 bytes of SHA256 over the compressed keys in amount order.
    /// Version 01 is written two ways in the wild, and both commit to the keys and the unit:
    /// the NUT-02 test vectors hash the concatenated key bytes followed by `unit:…` (and
    /// `final_expiry:…`), while nutshell 0.21 hashes `amount:hexkey` pairs joined by commas,
    /// then `|unit:…`, `|input_fee_ppk:…` when positive and `|final_expiry:…` when set.
    public func derivedIDs() -> [String] {
        let sorted = keys.sorted { $0.key < $1.key }
        var concatenated: [UInt8] = []
        for (_, key) in sorted {
            guard let bytes = CashuHex.decode(key), bytes.count == 33 else { return [] }
            concatenated += bytes
        }
        if id.hasPrefix("00") {
            return ["00" + CashuHex.encode(cashuSHA256(concatenated).prefix(7))]
        }
        if id.hasPrefix("01") {
            var specPreimage = concatenated + Array("unit:\(unit.lowercased())".utf8)
            if inputFeePPK > 0 { specPreimage += Array("input_fee_ppk:\(inputFeePPK)".utf8) }
            if let finalExpiry { specPreimage += Array("final_expiry:\(finalExpiry)".utf8) }
            var nutshellPreimage = sorted.map { "\($0.key):\($0.value.lowercased())" }.joined(separator: ",")
            nutshellPreimage += "|unit:\(unit.lowercased())"
            if inputFeePPK > 0 { nutshellPreimage += "|input_fee_ppk:\(inputFeePPK)" }
            if let finalExpiry { nutshellPreimage += "|final_expiry:\(finalExpiry)" }
            return [specPreimage, Array(nutshellPreimage.utf8)].map { "01" + CashuHex.encode(cashuSHA256($0)) }
        }
        return []
    }

    /// Whether the keys really belong to `id`; a mint that serves keys for the wrong id could
    /// otherwise make the provider accept signatures it cannot redeem later.
    public var idMatchesKeys: Bool { derivedIDs().contains(id.lowercased()) }
}
