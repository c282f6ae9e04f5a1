import Foundation
import NIOHTTP1

/// A NUT-04 mint quote: pay `request` (a bolt11) and the mint signs outputs worth `amount`.
public struct CashuMintQuote: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case unpaid = "UNPAID"
        case paid = "PAID"
        /// The mint already signed outputs for it.
        case issued = "ISSUED"
    }

    public var quote: String
    public var request: String
    public var state: State
    /// Unix time after which the invoice can no longer be paid.
    public var expiry: Int64?
    public var amount: UInt64?
    public var unit: String?

    public init(quote: String, request: String, state: State, expiry: Int64? = nil, amount: UInt64? = nil, unit: String? = nil) {
        self.quote = quote
        self.request = request
        self.state = state
        self.expiry = expiry
        self.amount = amount
        self.unit = unit
    }

    private enum CodingKeys: String, CodingKey { case quote, request, state, expiry, amount, unit, paid }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        quote = try container.decode(String.self, forKey: .quote)
        request = try container.decode(String.self, forKey: .request)
        // Mints before NUT-04's `state` said only `paid`.
        if let state = try container.decodeIfPresent(State.self, forKey: .state) {
            self.state = state
        } else {
            self.state = try container.decodeIfPresent(Bool.self, forKey: .paid) == true ? .paid : .unpaid
        }
        expiry = try container.decodeIfPresent(Int64.self, forKey: .expiry)
        amount = try container.decodeIfPresent(UInt64.self, forKey: .amount)
        unit = try container.decodeIfPresent(String.self, forKey: .unit)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(quote, forKey: .quote)
        try container.encode(request, forKey: .request)
        try container.encode(state, forKey: .state)
        try container.encodeIfPresent(expiry, forKey: .expiry)
        try container.encodeIfPresent(amount, forKey: .amount)
        try container.encodeIfPresent(unit, forKey: .unit)
    }
}

struct CashuMintQuoteRequest: Encodable {
    var amount: UInt64
    var unit: String
}

struct CashuMintRequest: Encodable {
    var quote: String
    var outputs: [CashuBlindedMessage]
}

extension CashuMintClient {
    /// NUT-04: asks for a bolt11 that, once paid, lets the wallet mint `amount` in `unit`.
    public func requestMintQuote(amount: UInt64, unit: String) async throws(CashuMintError) -> CashuMintQuote {
        let path = "/v1/mint/quote/bolt11"
        return try decode(CashuMintQuote.self, try await send(.POST, path, body: CashuMintQuoteRequest(amount: amount, unit: unit)), path)
    }

    /// NUT-04: where a quote stands (the mint also looks its invoice up).
    public func mintQuote(_ id: String) async throws(CashuMintError) -> CashuMintQuote {
        let path = "/v1/mint/quote/bolt11/\(id)"
        guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw .malformed(path, "the quote id has characters a mint never uses")
        }
        return try decode(CashuMintQuote.self, try await send(.GET, path), path)
    }

    /// NUT-04: the signatures on `outputs` for a paid quote, in their order.
    public func mint(quote: String, outputs: [CashuBlindedMessage]) async throws(CashuMintError) -> [CashuBlindSignature] {
        let path = "/v1/mint/bolt11"
        let signatures = try decode(CashuSwapResponse.self, try await send(.POST, path, body: CashuMintRequest(quote: quote, outputs: outputs)), path)
            .signatures
        guard signatures.count == outputs.count else { throw .malformed(path, "\(signatures.count) signatures for \(outputs.count) outputs") }
        return signatures
    }
}
