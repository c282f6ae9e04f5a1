/// The event kinds of the compute market (docs/nip-compute.md).
public enum ComputeKinds {
    /// A tenant's job request. Shared with the NIP-90 timestamping DVM: a 5900 without compute
    /// params is someone else's and is ignored.
    public static let request = 5900
    /// The provider's answers: bid, provisioning, running, renewal due, completed, terminated.
    public static let result = 6900
    /// NIP-90 job feedback (payment-required, processing, error, success), which generic NIP-90
    /// clients already know how to follow and pay.
    public static let jobFeedback = 7000
    /// The tenant's rating of a finished lease: uptime, attestations, abuse reports.
    public static let tenantFeedback = 7900
    /// Escrow signatures (§7.7): a tenant's release to the provider, an arbitrator's decision for the winner.
    public static let escrowSignatures = 7901
    /// The provider's offer, addressable by (31900, pubkey, `d`).
    public static let offer = 31900
    /// NIP-61 nutzap: P2PK-locked Cashu proofs, here referencing a request to pay a tranche.
    public static let nutzap = 9321
    /// NIP-61 nutzap informational event (replaceable): the mints a recipient accepts and the key
    /// to lock nutzaps to, so any nutzap wallet can pay the provider.
    public static let nutzapInfo = 10019
    /// NIP-89 handler information (addressable): tells generic NIP-90 clients that the provider
    /// serves kind 5900 (`k`), next to its offer.
    public static let handlerInfo = 31990
    /// NIP-09 deletion; deleting a request cancels its lease.
    public static let deletion = 5
    /// A tenant's request for its container's output (ephemeral: relays pass it on, keep nothing).
    public static let logRequest = 25900
    /// The provider's answer to a log request: a bounded chunk of lines (ephemeral).
    public static let logChunk = 26900
}
