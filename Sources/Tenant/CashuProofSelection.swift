import Billing

/// Which proofs to spend for an amount: few proofs, little change.
public enum CashuProofSelection {
    /// Proofs from `available` worth at least `amount` plus the mint's fee for spending them
    /// (`feePPK` per input, NUT-02), or nil when all of them are not enough. Largest-first where
    /// a proof fits in what is left, then the smallest single proof that covers the rest, then
    /// proofs that are no longer needed are put back.
    public static func select(_ amount: UInt64, from available: [CashuProof], feePPK: (CashuProof) -> UInt64 = { _ in 0 }) -> [CashuProof]? {
        guard amount > 0 else { return [] }
        func fee(_ proofs: [CashuProof]) -> UInt64 {
            let ppk = proofs.reduce(UInt64(0)) { $0 + feePPK($1) }
            return (ppk + 999) / 1000
        }
        func total(_ proofs: [CashuProof]) -> UInt64 { proofs.reduce(0) { $0 + $1.amount } }
        guard total(available) >= amount + fee(available) else { return nil }

        let descending = available.sorted { $0.amount > $1.amount }
        var chosen: [CashuProof] = []
        var rest: [CashuProof] = []
        for proof in descending {
            let need = amount + fee(chosen + [proof])
            if total(chosen) < need, proof.amount <= need - total(chosen) { chosen.append(proof) } else { rest.append(proof) }
        }
        while total(chosen) < amount + fee(chosen) {
            let missing = amount + fee(chosen) - total(chosen)
            // The smallest proof that covers what is missing (its own fee included), else the largest there is.
            let ascending = rest.sorted { $0.amount < $1.amount }
            guard let pick = ascending.first(where: { $0.amount >= missing + fee(chosen + [$0]) - fee(chosen) }) ?? ascending.last else { return nil }
            chosen.append(pick)
            rest.removeAll { $0 == pick }
        }
        // Drop what is not needed, smallest first.
        for proof in chosen.sorted(by: { $0.amount < $1.amount }) {
            var without = chosen
            if let index = without.firstIndex(of: proof) { without.remove(at: index) }
            if total(without) >= amount + fee(without) { chosen = without }
        }
        return chosen
    }
}
