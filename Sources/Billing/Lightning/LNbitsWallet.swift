import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NostrBridge

/// The provider's LNbits wallet over LNbits' REST API, with the wallet's *invoice* key: enough to
/// create invoices and see whether they were paid, never to spend.
///
/// Every error thrown is a `LightningWalletError` (or `CancellationError`).
public struct LNbitsWallet: LightningWallet {
    private let http: LNbitsHTTP

    /// Lookups retry transport failures and gateway errors this many times in all.
    private static let lookupAttempts = 3

    public init(baseURL: String, invoiceKey: String, httpClient: HTTPClient = .shared, timeout: TimeAmount = .seconds(15)) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        http = LNbitsHTTP(baseURL: base, key: invoiceKey, client: httpClient, timeout: timeout)
    }

    /// Creates the invoice with one POST and no automatic retry: if the answer is lost, LNbits
    /// may still have created the invoice, and a retry would create a second one that the tenant
    /// could pay instead of, or as well as, the first. Billing decides what to do about it.
    public func makeInvoice(_ request: InvoiceRequest) async throws -> IssuedInvoice {
        guard request.amountMsats > 0 else {
            throw LightningWalletError.invalidRequest("the amount must be positive, not \(request.amountMsats) msats")
        }
        // LNbits takes whole sats; rounding would invoice something other than what was agreed.
        guard request.amountMsats % 1_000 == 0 else { throw LightningWalletError.amountNotWholeSats(request.amountMsats) }
        guard request.expirySeconds > 0 else {
            throw LightningWalletError.invalidRequest("the expiry must be positive, not \(request.expirySeconds) s")
        }
        guard request.memo.count <= 640 else {
            throw LightningWalletError.invalidRequest("LNbits accepts memos of up to 640 characters, not \(request.memo.count)")
        }

        let body = LNbitsMessages.CreateInvoice(amount: request.amountMsats / 1_000, memo: request.memo, expiry: request.expirySeconds)
        let answer = try await http.send(.POST, "/api/v1/payments", json: body)
        guard (200...299).contains(answer.status) else { throw Self.failure(answer, paymentHash: nil) }
        let created = try answer.decode(LNbitsMessages.CreatedInvoice.self, what: "new invoice")
        guard let bolt11 = created.bolt11 ?? created.paymentRequest else {
            throw LightningWalletError.badResponse("LNbits' new invoice has neither bolt11 nor payment_request")
        }
        let now = Date()
        let issued = IssuedInvoice(
            bolt11: bolt11, paymentHash: created.paymentHash.lowercased(), amountMsats: request.amountMsats,
            expiresAt: now.addingTimeInterval(TimeInterval(request.expirySeconds))
        )
        return try issued.verified(for: request, now: now)
    }

    public func lookupInvoice(paymentHash: String) async throws -> InvoiceSettlement {
        guard paymentHash.utf8.count == 64, Hex.decode(paymentHash, lowercaseOnly: true) != nil else {
            throw LightningWalletError.invalidRequest("a payment hash is 64 lowercase hex characters, not \"\(paymentHash)\"")
        }
        let answer = try await lookupWithRetries(paymentHash)
        guard answer.status == 200 else { throw Self.failure(answer, paymentHash: paymentHash) }
        let lookup = try answer.decode(LNbitsMessages.Lookup.self, what: "payment status")
        return try Self.settlement(of: lookup, paymentHash: paymentHash, now: Date())
    }

    /// Reading a payment's state changes nothing at LNbits, so it is safe to repeat.
    private func lookupWithRetries(_ paymentHash: String) async throws -> LNbitsHTTP.Answer {
        var attempt = 1
        while true {
            do {
                let answer = try await http.get("/api/v1/payments/\(paymentHash)")
                guard [502, 503, 504].contains(answer.status), attempt < Self.lookupAttempts else { return answer }
            } catch let error as LightningWalletError where error.isTransient && attempt < Self.lookupAttempts {
                // try again below
            }
            try await Task.sleep(for: .milliseconds(250 << (2 * (attempt - 1))))  // 250 ms, then 1 s
            attempt += 1
        }
    }

    static func settlement(of lookup: LNbitsMessages.Lookup, paymentHash: String, now: Date) throws(LightningWalletError) -> InvoiceSettlement {
        // Without a key of the owning wallet LNbits still answers, from whichever wallet's record
        // of that hash it finds first; only `details` proves the answer is about our invoice.
        guard let details = lookup.details else {
            throw .unauthorized("LNbits did not recognise the invoice key as the key of the wallet holding \(paymentHash); check that it is this wallet's invoice key")
        }
        guard details.paymentHash.lowercased() == paymentHash else {
            throw .badResponse("LNbits answered about payment \(details.paymentHash) when asked about \(paymentHash)")
        }
        // A negative amount is this wallet paying someone else's invoice with that hash.
        guard details.amount > 0 else { throw .unknownInvoice(paymentHash: paymentHash) }

        if lookup.paid {
            guard let preimage = lookup.preimage?.lowercased(), !preimage.isEmpty else { return .settled(preimage: nil) }
            guard let bytes = Hex.decode(preimage, lowercaseOnly: true), bytes.count == 32,
                  Hex.encode(SHA256.hash(data: bytes)) == paymentHash else {
                throw .badResponse("LNbits reported a preimage for \(paymentHash) that does not hash to it")
            }
            return .settled(preimage: preimage)
        }

        let invoice: Bolt11Invoice
        do {
            invoice = try Bolt11Invoice.decode(details.bolt11)
        } catch {
            throw .badResponse("LNbits' copy of invoice \(paymentHash) does not decode: \(error.description)")
        }
        if invoice.isExpired(at: now) { return .expired }
        let status = lookup.status ?? details.status
        return status == "failed" ? .failed : .pending
    }

    static func failure(_ answer: LNbitsHTTP.Answer, paymentHash: String?) -> LightningWalletError {
        let detail = answer.detail ?? answer.text
        switch answer.status {
        case 401, 403:
            return .unauthorized("LNbits refused the invoice key (HTTP \(answer.status): \(detail)); check that it is the wallet's invoice key")
        case 404 where detail.localizedCaseInsensitiveContains("wallet not found"):
            return .unauthorized("no LNbits wallet has this invoice key (HTTP 404: \(detail))")
        case 404 where paymentHash != nil:
            return .unknownInvoice(paymentHash: paymentHash!)
        default:
            return .httpStatus(answer.status, body: detail)
        }
    }
}
