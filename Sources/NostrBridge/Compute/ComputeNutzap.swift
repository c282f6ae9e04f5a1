/// A NIP-61 nutzap (kind 9321) that pays a tranche of a lease: P2PK-locked Cashu proofs, the
/// mint they are from, and the request they pay for. Whether the proofs are locked to the
/// provider's key, unspent and worth enough is for the Cashu side to check when it swaps them.
public struct ComputeNutzap: Sendable, Hashable {
    /// The nutzap event's id.
    public var id: String
    /// Who sent it; normally the tenant, but anyone may pay for a lease.
    public var sender: String
    /// The request it pays for (`e` tag).
    public var requestID: String
    /// The provider it is for (`p` tag).
    public var recipient: String
    /// The mint URL (`u` tag), which must be one of the provider's.
    public var mint: String
    /// "sat" unless the `unit` tag says otherwise.
    public var unit: String
    /// Each `proof` tag's JSON, as sent.
    public var proofs: [String]

    /// nil unless `event` is a well-formed nutzap that references an event.
    public init?(event: NostrEvent) {
        guard event.kind == ComputeKinds.nutzap,
              let requestID = event.referencedEventIDs.first(where: ComputeTagValues.isLowerHex64),
              let recipient = event.referencedPubkeys.first, let mint = event.firstTagValue("u"), ComputeTagValues.isHTTPURL(mint)
        else { return nil }
        let proofs = event.tagValues("proof")
        guard !proofs.isEmpty else { return nil }
        self.id = event.id
        self.sender = event.pubkey
        self.requestID = requestID
        self.recipient = recipient
        self.mint = mint
        self.unit = event.firstTagValue("unit") ?? "sat"
        self.proofs = proofs
    }
}
