import Foundation

extension IssuedInvoice {
    /// Checks a wallet's answer against what was asked before anyone is asked to pay it: the
    /// bolt11 must decode (checksum and signature), carry the payment hash the wallet reported,
    /// be for exactly the requested amount, and not be expired already. Returns the invoice with
    /// `expiresAt` taken from the bolt11 itself, which is what the payer's wallet will enforce.
    public func verified(for request: InvoiceRequest, now: Date) throws(LightningWalletError) -> IssuedInvoice {
        let decoded: Bolt11Invoice
        do {
            decoded = try Bolt11Invoice.decode(bolt11)
        } catch {
            throw .badResponse("the wallet's invoice does not decode: \(error.description)")
        }
        guard decoded.paymentHash == paymentHash else {
            throw .badResponse("the invoice's payment hash \(decoded.paymentHash) differs from the reported \(paymentHash)")
        }
        guard let amount = decoded.amountMsats else {
            throw .badResponse("the invoice has no amount, but \(request.amountMsats) msats were requested")
        }
        guard amount == request.amountMsats else {
            throw .badResponse("the invoice is for \(amount) msats, but \(request.amountMsats) msats were requested")
        }
        guard !decoded.isExpired(at: now) else {
            throw .badResponse("the invoice expired at \(decoded.expiresAt) already")
        }
        var checked = self
        checked.amountMsats = amount
        checked.expiresAt = decoded.expiresAt
        return checked
    }
}
