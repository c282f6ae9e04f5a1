import Foundation
import NostrBridge

/// One NIP-47 request, encrypted and signed once.
///
/// The signed event is the request's identity: the wallet answers with an `e` tag naming its id,
/// and a wallet that de-duplicates by id answers a re-sent copy with the response it already
/// gave. So a retry must re-send this very event, never build a new one.
public struct NWCRequest: Sendable, Hashable {
    public let method: String
    public let encryption: NWCEncryption
    /// Kind 23194, with `p` (the wallet), `encryption` and NIP-40 `expiration` tags.
    public let event: NostrEvent
    /// Unix seconds after which the wallet must ignore the request (the `expiration` tag).
    public let expiresAt: Int64

    /// Builds the request `{"method": method, "params": params}`.
    public init(
        method: String, params: some Encodable, encryption: NWCEncryption,
        clientKey: SecretKey, wallet: PublicKey, createdAt: Int64, expiresAt: Int64
    ) throws(NWCError) {
        let body: Data
        do {
            body = try NWCJSON.encoder.encode(Body(method: method, params: params))
        } catch {
            throw NWCError(.invalidResponse, "cannot encode the \(method) request: \(error)")
        }
        let plaintext = String(decoding: body, as: UTF8.self)
        let content: String
        do {
            content = try encryption.encrypt(plaintext, secretKey: clientKey, peer: wallet)
        } catch {
            throw NWCError(.unsupportedEncryption, "cannot encrypt the \(method) request with \(encryption): \(error)")
        }
        let tags = [
            ["p", wallet.hex],
            ["encryption", encryption.rawValue],
            ["expiration", String(expiresAt)],
        ]
        do {
            self.event = try EventBuilder(kind: NWCKind.request, content: content, tags: tags, createdAt: createdAt)
                .sign(with: clientKey)
        } catch {
            throw NWCError(.invalidResponse, "cannot sign the \(method) request: \(error)")
        }
        self.method = method
        self.encryption = encryption
        self.expiresAt = expiresAt
    }

    private struct Body<Params: Encodable>: Encodable {
        let method: String
        let params: Params
    }
}

/// `make_invoice` parameters. `amount` is in millisatoshis, `expiry` in seconds.
public struct NWCMakeInvoiceParams: Encodable, Sendable, Hashable {
    public var amount: Int64
    public var description: String
    public var expiry: Int

    public init(amount: Int64, description: String, expiry: Int) {
        self.amount = amount
        self.description = description
        self.expiry = expiry
    }
}

/// `lookup_invoice` by payment hash.
public struct NWCLookupInvoiceParams: Encodable, Sendable, Hashable {
    public var paymentHash: String

    public init(paymentHash: String) { self.paymentHash = paymentHash }

    enum CodingKeys: String, CodingKey { case paymentHash = "payment_hash" }
}

/// `{}` for methods without parameters (`get_info`, `get_balance`).
public struct NWCNoParams: Encodable, Sendable, Hashable {
    public init() {}
}

enum NWCJSON {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static var decoder: JSONDecoder { JSONDecoder() }
}
