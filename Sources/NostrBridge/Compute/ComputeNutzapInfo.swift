/// The provider's NIP-61 kind 10019: where nutzap wallets learn which mints it takes and which
/// key to lock proofs to, the same terms as its offer's Cashu rail.
public enum ComputeNutzapInfo {
    /// nil when the terms have no mint.
    public static func eventBuilder(terms: ComputeCashuTerms, relays: [String]) -> EventBuilder? {
        guard !terms.mints.isEmpty else { return nil }
        var tags: [[String]] = relays.map { ["relay", $0] }
        tags += terms.mints.map { ["mint", $0.url, $0.unit] }
        tags.append(["pubkey", terms.p2pk])
        return EventBuilder(kind: ComputeKinds.nutzapInfo, content: "", tags: tags)
    }
}
