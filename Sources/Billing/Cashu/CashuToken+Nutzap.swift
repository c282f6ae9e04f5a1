import Foundation

extension CashuToken {
    /// The token a NIP-61 nutzap carries: one proof per `proof` tag, each a JSON object, from the
    /// mint and in the unit its `u` and `unit` tags name.
    public init(nutzapMint mint: String, unit: String, proofs: [String]) throws(CashuTokenError) {
        guard !proofs.isEmpty else { throw .empty }
        var decoded: [CashuProof] = []
        for (index, proof) in proofs.enumerated() {
            do {
                decoded.append(try JSONDecoder().decode(CashuProof.self, from: Data(proof.utf8)))
            } catch {
                // Only which tag: a proof's text is spendable and never goes into a message.
                throw .field("proof tag \(index + 1) is not a Cashu proof")
            }
        }
        self.init(mint: mint, unit: unit, proofs: decoded)
    }
}
