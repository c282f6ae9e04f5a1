/// How a tenant pays for a lease.
public enum ComputeRail: String, Sendable, Hashable, CaseIterable {
    /// A bolt11 invoice per tranche, in kind 7000 `payment-required`.
    case lightning
    /// Cashu ecash: a token in the encrypted request, or NIP-61 nutzaps referencing it.
    case cashu
}

/// Transport protocol of a port, lower case on the wire.
public enum ComputePortProtocol: String, Sendable, Hashable, CaseIterable {
    case tcp
    case udp
}

/// Which scheme protected an encrypted request; the provider answers with the same one.
public enum ComputeEncryption: String, Sendable, Hashable, CaseIterable {
    case nip44
    case nip04
}
