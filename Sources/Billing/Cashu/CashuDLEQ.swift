import NostrBridge

/// NUT-12 discrete-log-equality proofs: evidence that the mint signed `B_` with the same key `a`
/// it publishes as `A`, so a signature can be checked without asking the mint.
enum CashuDLEQ {
    /// SHA256 over the concatenated lower-case hex of the points' uncompressed encodings.
    static func hash(_ points: [CashuPoint]) -> [UInt8] {
        cashuSHA256(Array(points.map { CashuHex.encode($0.uncompressed) }.joined().utf8))
    }

    /// R1 = s·G − e·A, R2 = s·B_ − e·C_, and e must equal hash(R1, R2, A, C_).
    static func verify(e: [UInt8], s: [UInt8], mintKey a: CashuPoint, blinded: CashuPoint, blindSignature: CashuPoint) -> Bool {
        guard e.count == 32, s.count == 32,
              let sG = CashuPoint.generatorTimes(s), let eA = a.times(e),
              let r1 = sG.subtracting(eA),
              let sB = blinded.times(s), let eC = blindSignature.times(e),
              let r2 = sB.subtracting(eC)
        else { return false }
        return hash([r1, r2, a, blindSignature]) == e
    }

    /// A proof a sender passed along (with its blinding factor r): rebuild B_ = Y + r·G and
    /// C_ = C + r·A, then verify as above.
    static func verify(_ proof: CashuProof, mintKey a: CashuPoint) -> Bool {
        guard let dleq = proof.dleq,
              let e = CashuHex.decode(dleq.e), let s = CashuHex.decode(dleq.s), let r = CashuHex.decode(dleq.r),
              let c = CashuPoint(hex: proof.C),
              let blinded = CashuBDHKE.blind(secret: proof.secret, r: r),
              let rA = a.times(r), let blindSignature = c.adding(rA)
        else { return false }
        return verify(e: e, s: s, mintKey: a, blinded: blinded, blindSignature: blindSignature)
    }

    /// The mint's side (random nonce), only to simulate a mint in tests.
    static func prove(mintSecret a: [UInt8], blinded: CashuPoint, blindSignature: CashuPoint) -> (e: [UInt8], s: [UInt8])? {
        let nonce = CashuScalar.random()
        guard let mintKey = CashuPoint.generatorTimes(a), let r1 = CashuPoint.generatorTimes(nonce), let r2 = blinded.times(nonce) else { return nil }
        let e = hash([r1, r2, mintKey, blindSignature])
        guard let ea = CashuScalar.multiply(e, a), let s = CashuScalar.add(nonce, ea) else { return nil }
        return (e, s)
    }
}
