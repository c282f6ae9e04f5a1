/// How a tenant pays for a lease.
public enum PaymentRail: String, Codable, Sendable, CaseIterable {
    /// bolt11 invoices, paid through the provider's Lightning wallet (NWC or LNbits).
    case lightning
    /// Cashu ecash tokens from a mint the provider accepts.
    case cashu
}
