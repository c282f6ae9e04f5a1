import Foundation
import NostrBridge

/// A wallet's decrypted kind 23195 answer to one request.
public struct NWCResponse: Sendable, Hashable {
    /// The method the request asked for.
    public let method: String
    /// The response event, as signed by the wallet.
    public let event: NostrEvent
    /// The decrypted JSON.
    public let plaintext: String

    public init(method: String, event: NostrEvent, plaintext: String) {
        self.method = method
        self.event = event
        self.plaintext = plaintext
    }

    /// Decrypts a response event. The caller has checked author, signature and `e` tag.
    public init(method: String, event: NostrEvent, clientKey: SecretKey, wallet: PublicKey) throws(NWCError) {
        let encryption = NWCEncryption.of(payload: event.content)
        do {
            self.init(method: method, event: event, plaintext: try encryption.decrypt(event.content, secretKey: clientKey, peer: wallet))
        } catch {
            throw NWCError(.invalidResponse, "cannot decrypt the wallet's \(method) response (\(encryption)): \(error)")
        }
    }

    /// The `result`, or the wallet's error as an `NWCError`.
    public func result<Result: Decodable>(_ type: Result.Type) throws(NWCError) -> Result {
        let data = Data(self.plaintext.utf8)
        let header: Header
        do {
            header = try NWCJSON.decoder.decode(Header.self, from: data)
        } catch {
            throw NWCError(.invalidResponse, "the wallet's \(method) response is not a NIP-47 response: \(error)")
        }
        if let error = header.error {
            throw NWCError.fromWallet(code: error.code ?? "", message: error.message ?? "", method: self.method)
        }
        if let resultType = header.resultType, resultType != self.method {
            throw NWCError(.invalidResponse, "the wallet answered \(self.method) with a \(resultType) result")
        }
        do {
            let envelope = try NWCJSON.decoder.decode(Envelope<Result>.self, from: data)
            guard let result = envelope.result else {
                throw NWCError(.invalidResponse, "the wallet's \(method) response has neither result nor error")
            }
            return result
        } catch let error as NWCError {
            throw error
        } catch {
            throw NWCError(.invalidResponse, "the wallet's \(method) result has the wrong shape: \(error)")
        }
    }

    private struct Header: Decodable {
        let resultType: String?
        let error: ErrorBody?

        enum CodingKeys: String, CodingKey {
            case resultType = "result_type"
            case error
        }
    }

    private struct ErrorBody: Decodable {
        let code: String?
        let message: String?
    }

    private struct Envelope<Result: Decodable>: Decodable {
        let result: Result?
    }
}

/// An invoice or payment as `make_invoice`, `lookup_invoice` and notifications describe it.
public struct NWCTransaction: Decodable, Sendable, Hashable {
    /// `incoming` or `outgoing`.
    public var type: String?
    /// The BOLT11 invoice.
    public var invoice: String?
    public var description: String?
    public var preimage: String?
    public var paymentHash: String
    /// Millisatoshis.
    public var amount: Int64
    public var feesPaid: Int64?
    public var createdAt: Int64?
    public var expiresAt: Int64?
    public var settledAt: Int64?
    /// `pending`, `settled`, `accepted`, `expired` or `failed` (newer wallets only).
    public var state: String?

    public init(
        type: String? = "incoming", invoice: String?, description: String? = nil, preimage: String? = nil,
        paymentHash: String, amount: Int64, feesPaid: Int64? = nil, createdAt: Int64? = nil,
        expiresAt: Int64? = nil, settledAt: Int64? = nil, state: String? = nil
    ) {
        self.type = type
        self.invoice = invoice
        self.description = description
        self.preimage = preimage
        self.paymentHash = paymentHash
        self.amount = amount
        self.feesPaid = feesPaid
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.settledAt = settledAt
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case type, invoice, description, preimage, amount, state
        case paymentHash = "payment_hash"
        case feesPaid = "fees_paid"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case settledAt = "settled_at"
    }

    /// Where the invoice stands at `now` (unix seconds).
    ///
    /// `state` decides when present. Older wallets send none; then only `settled_at` proves
    /// payment (some wallets report the preimage of *unpaid* invoices they created), and an
    /// unpaid invoice past `expires_at` is expired.
    public func settlement(now: Int64) -> InvoiceSettlement {
        let preimage = self.preimage.flatMap { $0.isEmpty ? nil : $0 }
        switch self.state?.lowercased() {
        case "settled": return .settled(preimage: preimage)
        case "expired": return .expired
        case "failed": return .failed
        // `accepted`: a hold invoice whose HTLC is locked in but not settled, so not paid yet.
        case "pending", "accepted": return .pending
        default:
            if let settledAt = self.settledAt, settledAt > 0 { return .settled(preimage: preimage) }
            if let expiresAt = self.expiresAt, now >= expiresAt { return .expired }
            return .pending
        }
    }
}

/// A decrypted kind 23196/23197 notification.
struct NWCNotification: Decodable {
    let notificationType: String
    let notification: NWCTransaction?

    enum CodingKeys: String, CodingKey {
        case notificationType = "notification_type"
        case notification
    }
}
