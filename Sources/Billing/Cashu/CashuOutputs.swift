import NostrBridge

/// Building the outputs of a swap: amounts the mint can sign, fresh secrets and blinding factors.
enum CashuOutputs {
    /// The binary decomposition of `amount`, smallest first: the fewest proofs, each one a
    /// denomination mints sign.
    static func denominations(of amount: UInt64) -> [UInt64] {
        (0..<64).compactMap { bit in amount & (1 << UInt64(bit)) != 0 ? 1 << UInt64(bit) : nil }
    }

    /// One output per denomination on `keyset`. Secrets are 32 random bytes as hex, as NUT-00
    /// recommends, so the provider's proofs look like everyone else's.
    static func prepare(amount: UInt64, keyset: CashuKeyset) throws(CashuError) -> [CashuPreparedOutput] {
        try denominations(of: amount).map { (denomination: UInt64) throws(CashuError) -> CashuPreparedOutput in
            try output(amount: denomination, keyset: keyset, secret: CashuHex.encode(SecureRandom.bytes(32)))
        }
    }

    /// One output of `amount` on `keyset` for `secret`, with a fresh blinding factor.
    static func output(amount: UInt64, keyset: CashuKeyset, secret: String) throws(CashuError) -> CashuPreparedOutput {
        guard keyset.key(for: amount) != nil else {
            throw .keyset("the active keyset \(keyset.id) has no key for amount \(amount)")
        }
        let r = CashuScalar.random()
        guard let blinded = CashuBDHKE.blind(secret: secret, r: r) else {
            throw .keyset("could not blind an output")  // unreachable: r is a valid scalar
        }
        return CashuPreparedOutput(amount: amount, keysetID: keyset.id, secret: secret, blindingFactor: CashuHex.encode(r), blinded: blinded.hex)
    }

    /// NUT-02: ⌈Σ input_fee_ppk / 1000⌉ over the inputs' keysets.
    static func fee(inputs: [CashuProof], keysets: [String: CashuKeyset]) -> UInt64 {
        // Saturating: a mint's fee table is hostile input, and a wrapped sum would read as no fee.
        let ppk = inputs.reduce(UInt64(0)) { sum, proof in
            let (next, overflow) = sum.addingReportingOverflow(keysets[proof.id]?.inputFeePPK ?? 0)
            return overflow ? .max : next
        }
        return ppk / 1000 + (ppk % 1000 == 0 ? 0 : 1)
    }

    /// The redemption id: SHA256 over the inputs' compressed `Y`s in ascending byte order, so
    /// the id depends on which ecash was paid, not on the token's encoding or proof order.
    static func redemptionID(ys: [CashuPoint]) -> String {
        let sorted = ys.map(\.compressed).sorted { $0.lexicographicallyPrecedes($1) }
        return CashuHex.encode(cashuSHA256(sorted.flatMap { $0 }))
    }
}
