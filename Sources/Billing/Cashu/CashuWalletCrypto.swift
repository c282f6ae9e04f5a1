import Foundation
import NostrBridge

/// The parts of Cashu's cryptography a wallet (the tenant's, in `ncn`) needs, on the same code the
/// provider's redeemer uses: outputs for the mint to sign, with fresh or P2PK-locked secrets;
/// turning the mint's signatures into proofs (checking their DLEQ proofs); a proof's `Y`; fees.
public enum CashuWalletCrypto {
    /// The binary decomposition of `amount`, smallest first.
    public static func denominations(of amount: UInt64) -> [UInt64] { CashuOutputs.denominations(of: amount) }

    /// One output per amount on `keyset`. With `lock` (a 33-byte compressed key as hex) every
    /// secret is a NUT-11 P2PK secret that only that key can spend; otherwise 32 random bytes as hex.
    public static func outputs(amounts: [UInt64], keyset: CashuKeyset, lock: String? = nil) throws(CashuError) -> [CashuPreparedOutput] {
        try amounts.map { (amount: UInt64) throws(CashuError) -> CashuPreparedOutput in
            let secret = lock.map { CashuSpendingCondition.p2pk(lockKey: $0).secret } ?? CashuHex.encode(SecureRandom.bytes(32))
            return try CashuOutputs.output(amount: amount, keyset: keyset, secret: secret)
        }
    }

    /// One output per amount on `keyset`, each locked to `escrow` with a secret of its own (draft §7.7).
    public static func outputs(amounts: [UInt64], keyset: CashuKeyset, escrow: CashuEscrowLock) throws(CashuError) -> [CashuPreparedOutput] {
        try amounts.map { (amount: UInt64) throws(CashuError) -> CashuPreparedOutput in
            try CashuOutputs.output(amount: amount, keyset: keyset, secret: escrow.condition().secret)
        }
    }

    /// The proof the mint's `signature` on `output` makes: unblinded, its DLEQ proof checked when
    /// the mint sent one and kept (with the blinding factor `r`) so the proof can be passed on
    /// with it (NUT-12). Throws when the signature does not belong to the output or does not verify.
    public static func proof(from signature: CashuBlindSignature, output: CashuPreparedOutput, keyset: CashuKeyset) throws(CashuError) -> CashuProof {
        guard signature.amount == output.amount, signature.id == output.keysetID, keyset.id == output.keysetID,
              let mintKey = keyset.key(for: output.amount),
              let blindSignature = CashuPoint(hex: signature.C_), let blinded = CashuPoint(hex: output.blinded),
              let r = CashuHex.decode(output.blindingFactor)
        else { throw .keyset("the mint's signature does not match the output it was asked for") }
        var dleq: CashuProofDLEQ?
        if let signed = signature.dleq {
            guard let e = CashuHex.decode(signed.e), let s = CashuHex.decode(signed.s),
                  CashuDLEQ.verify(e: e, s: s, mintKey: mintKey, blinded: blinded, blindSignature: blindSignature)
            else { throw .invalidDLEQ("the mint's signature on an output of \(output.amount) does not verify") }
            dleq = CashuProofDLEQ(e: signed.e, s: signed.s, r: output.blindingFactor)
        }
        guard let c = CashuBDHKE.unblind(blindSignature, r: r, mintKey: mintKey) else {
            throw .keyset("a signature could not be unblinded")
        }
        return CashuProof(amount: output.amount, id: output.keysetID, secret: output.secret, C: c.hex, dleq: dleq)
    }

    /// Y = hash_to_curve(secret) as compressed hex: how NUT-07 names a proof. nil only for a
    /// secret no point is found for (never in practice).
    public static func y(of proof: CashuProof) -> String? { CashuBDHKE.hashToCurve(secret: proof.secret)?.hex }

    /// NUT-02: the fee the mint takes for spending `proofs`.
    public static func inputFee(_ proofs: [CashuProof], keysets: [String: CashuKeyset]) -> UInt64 {
        CashuOutputs.fee(inputs: proofs, keysets: keysets)
    }
}

extension CashuSpendingCondition {
    /// A NUT-11 P2PK condition: one signature by `lockKey` (33-byte compressed hex) spends it.
    public static func p2pk(lockKey: String) -> CashuSpendingCondition {
        CashuSpendingCondition(kind: "P2PK", data: lockKey, nonce: CashuHex.encode(SecureRandom.bytes(32)), tags: [["sigflag", "SIG_INPUTS"]])
    }

    /// The NUT-10 secret, `["KIND",{"nonce":…,"data":…,"tags":[…]}]`.
    public var secret: String {
        func quoted(_ text: String) -> String {
            let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        var body = "{"
        if let nonce { body += "\"nonce\":\(quoted(nonce))," }
        body += "\"data\":\(quoted(data))"
        if !tags.isEmpty { body += ",\"tags\":[" + tags.map { "[" + $0.map(quoted).joined(separator: ",") + "]" }.joined(separator: ",") + "]" }
        return "[\(quoted(kind)),\(body)}]"
    }
}

extension CashuMintClient {
    /// A keyset's keys, checked against its id (so a mint cannot make a wallet accept signatures
    /// by keys that are not the keyset's), with the fee `infos` lists for it.
    public func verifiedKeys(_ id: String, infos: [CashuKeysetInfo]) async throws -> CashuKeyset {
        var keyset = try await keys(keysetID: id)
        if let info = infos.first(where: { $0.id == id }) {
            keyset.inputFeePPK = info.input_fee_ppk ?? keyset.inputFeePPK
            keyset.finalExpiry = keyset.finalExpiry ?? info.final_expiry
        }
        if !keyset.derivedIDs().isEmpty, !keyset.idMatchesKeys {
            throw CashuError.keyset("the keys the mint serves for keyset \(id) do not derive that id")
        }
        return keyset
    }

    /// The active keyset in `unit` with the lowest input fee, its keys checked.
    public func activeKeyset(unit: String) async throws -> CashuKeyset {
        let infos = try await keysets()
        let candidates = infos.filter { $0.active && $0.unit == unit }
        guard let cheapest = candidates.min(by: { ($0.input_fee_ppk ?? 0) < ($1.input_fee_ppk ?? 0) }) else {
            throw CashuError.keyset("the mint has no active \(unit) keyset")
        }
        return try await verifiedKeys(cheapest.id, infos: infos)
    }
}

extension CashuPreparedOutput {
    /// What the mint is sent for this output (the secret and blinding factor stay here).
    public var blindedMessage: CashuBlindedMessage { message }
}
