import Billing

/// Pays a bolt11 and returns the preimage: the tenant's Lightning wallet.
public protocol InvoicePayer: Sendable {
    func pay(_ bolt11: String) async throws -> String
}

/// The tenant's wallet over Nostr Wallet Connect (NIP-47 `pay_invoice`). Its `run()` must be
/// running while payments are made.
public struct NWCPayer: InvoicePayer {
    public let wallet: NWCWallet

    public init(wallet: NWCWallet) { self.wallet = wallet }

    public func pay(_ bolt11: String) async throws -> String {
        try await wallet.payInvoice(bolt11).preimage
    }
}
