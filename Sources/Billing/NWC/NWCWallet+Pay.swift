import Foundation
import NostrBridge

/// `pay_invoice` params: the bolt11, and an amount only for invoices that carry none.
public struct NWCPayInvoiceParams: Encodable, Sendable, Hashable {
    public var invoice: String
    public var amount: Int64?

    public init(invoice: String, amount: Int64? = nil) {
        self.invoice = invoice
        self.amount = amount
    }
}

/// What a wallet answers to `pay_invoice`.
public struct NWCPayment: Decodable, Sendable, Hashable {
    public let preimage: String
    /// Routing fees, msats; absent when the wallet does not say.
    public let feesPaid: Int64?

    enum CodingKeys: String, CodingKey {
        case preimage
        case feesPaid = "fees_paid"
    }
}

extension NWCWallet {
    /// Pays a bolt11 from this wallet (NIP-47 `pay_invoice`, the tenant's side). The request is
    /// re-sent as one signed event until answered, so a wallet that de-duplicates by id pays once.
    public func payInvoice(_ bolt11: String) async throws -> NWCPayment {
        try await self.call("pay_invoice", params: NWCPayInvoiceParams(invoice: bolt11), as: NWCPayment.self)
    }
}
