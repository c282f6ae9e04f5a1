/// Blind Diffie-Hellman key exchange on secp256k1 (NUT-00): how a wallet gets the mint's
/// signature on a secret the mint never sees.
enum CashuBDHKE {
    static let domainSeparator = Array("Secp256k1_HashToCurve_Cashu_".utf8)

    /// Y = hash_to_curve(x): the first `02 ‖ SHA256(SHA256(separator ‖ x) ‖ counter_le32)` that is
    /// on the curve. About half of all x-coordinates are, so the loop ends after a couple of tries;
    /// the bound only makes the function total.
    static func hashToCurve(_ message: [UInt8]) -> CashuPoint? {
        let messageHash = cashuSHA256(domainSeparator + message)
        for counter in UInt32(0)..<UInt32(1 << 16) {
            let le = withUnsafeBytes(of: counter.littleEndian, Array.init)
            if let point = CashuPoint(sec1: [0x02] + cashuSHA256(messageHash + le)) { return point }
        }
        return nil
    }

    static func hashToCurve(secret: String) -> CashuPoint? { hashToCurve(Array(secret.utf8)) }

    /// B_ = Y + r·G.
    static func blind(secret: String, r: [UInt8]) -> CashuPoint? {
        guard let y = hashToCurve(secret: secret), let rG = CashuPoint.generatorTimes(r) else { return nil }
        return y.adding(rG)
    }

    /// C = C_ − r·K.
    static func unblind(_ blindSignature: CashuPoint, r: [UInt8], mintKey: CashuPoint) -> CashuPoint? {
        guard let rK = mintKey.times(r) else { return nil }
        return blindSignature.subtracting(rK)
    }

    /// C_ = k·B_ — the mint's side, used only to simulate a mint in tests.
    static func sign(_ blinded: CashuPoint, mintSecret k: [UInt8]) -> CashuPoint? { blinded.times(k) }
}
