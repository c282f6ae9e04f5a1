/// A Cashu token as a tenant sends it: ecash from one mint (NUT-00, V3 `cashuA…` or V4 `cashuB…`).
public struct CashuToken: Sendable, Equatable {
    /// As written in the token; compare through `CashuMintURL.normalize`.
    public var mint: String
    /// V3 tokens may omit it (wallets then assume `sat`).
    public var unit: String?
    public var memo: String?
    public var proofs: [CashuProof]

    public init(mint: String, unit: String?, memo: String? = nil, proofs: [CashuProof]) {
        self.mint = mint
        self.unit = unit
        self.memo = memo
        self.proofs = proofs
    }

    /// The sum of the proofs' amounts (checked for overflow when decoding).
    public var amount: UInt64 { proofs.reduce(0) { $0 &+ $1.amount } }

    /// Reads either token version; a `cashu:` URI scheme and surrounding whitespace are allowed.
    public static func decode(_ text: String) throws(CashuTokenError) -> CashuToken {
        var body = Substring(text).trimmingASCIIWhitespace()
        if body.hasPrefix("cashu:") { body = body.dropFirst("cashu:".count) }
        let token: CashuToken
        if body.hasPrefix("cashuA") {
            guard let bytes = CashuBase64URL.decode(body.dropFirst(6)) else { throw .base64 }
            token = try decodeV3(bytes)
        } else if body.hasPrefix("cashuB") {
            guard let bytes = CashuBase64URL.decode(body.dropFirst(6)) else { throw .base64 }
            token = try decodeV4(bytes)
        } else {
            throw .prefix
        }
        try token.validate()
        return token
    }

    /// Shape checks shared by both versions, so later code can trust hex lengths and amounts.
    private func validate() throws(CashuTokenError) {
        guard !proofs.isEmpty else { throw .empty }
        guard !mint.isEmpty else { throw .field("the mint URL is empty") }
        var total: UInt64 = 0
        for proof in proofs {
            guard proof.amount > 0 else { throw .field("a proof has amount 0") }
            let (sum, overflow) = total.addingReportingOverflow(proof.amount)
            guard !overflow else { throw .field("the amounts overflow") }
            total = sum
            guard !proof.secret.isEmpty else { throw .field("a proof has an empty secret") }
            guard let c = CashuHex.decode(proof.C), c.count == 33 else { throw .field("a proof's C is not a 33-byte point") }
            guard let id = CashuHex.decode(proof.id), id.count >= 8 else {
                throw .field("keyset id \(proof.id) is not hex of at least 8 bytes (legacy base64 keyset ids are not supported)")
            }
            if let dleq = proof.dleq {
                for value in [dleq.e, dleq.s, dleq.r] {
                    guard let bytes = CashuHex.decode(value), bytes.count == 32 else { throw .field("a proof's DLEQ has a value that is not 32 bytes") }
                }
            }
        }
    }
}

extension Substring {
    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        var result = self
        while let first = result.first, isSpace(first) { result = result.dropFirst() }
        while let last = result.last, isSpace(last) { result = result.dropLast() }
        return result
    }
}
