import Foundation

/// The provider's Lightning wallet as billing needs it: make an invoice for a tranche and learn
/// whether it was paid. NWC (NIP-47) and LNbits both implement this, so the operator does not
/// care which one the provider configured.
public protocol LightningWallet: Sendable {
    /// Creates one invoice. Implementations must not retry in a way that could create a second
    /// invoice for the same request.
    func makeInvoice(_ request: InvoiceRequest) async throws -> IssuedInvoice
    /// Where the invoice with this payment hash (64 lowercase hex) stands now.
    func lookupInvoice(paymentHash: String) async throws -> InvoiceSettlement
}

/// What to invoice.
public struct InvoiceRequest: Sendable, Equatable {
    public var amountMsats: Int64
    /// Shown to the payer; billing puts the lease name and tranche number here.
    public var memo: String
    public var expirySeconds: Int

    public init(amountMsats: Int64, memo: String, expirySeconds: Int) {
        self.amountMsats = amountMsats
        self.memo = memo
        self.expirySeconds = expirySeconds
    }
}

/// An invoice the wallet created.
public struct IssuedInvoice: Sendable, Equatable {
    public var bolt11: String
    /// 64 lowercase hex characters.
    public var paymentHash: String
    public var amountMsats: Int64
    public var expiresAt: Date

    public init(bolt11: String, paymentHash: String, amountMsats: Int64, expiresAt: Date) {
        self.bolt11 = bolt11
        self.paymentHash = paymentHash
        self.amountMsats = amountMsats
        self.expiresAt = expiresAt
    }
}

/// Where an invoice stands.
public enum InvoiceSettlement: Sendable, Equatable {
    case pending
    /// Paid; the preimage when the wallet reports it.
    case settled(preimage: String?)
    case expired
    case failed
}
