/// Why a Lightning wallet call failed, whichever wallet (LNbits over REST, NWC over Nostr): the
/// cases are phrased by what billing can do about them, not by transport.
///
/// - `unreachable`: the request may not have arrived (connection refused, timeout, relay down);
///   safe to retry for lookups, never for invoice creation.
/// - `httpStatus`: an HTTP wallet answered with an unexpected status; the body excerpt says why.
/// - `unauthorized`: the wallet refused the configured credential (LNbits invoice key, NWC secret).
/// - `unknownInvoice`: the wallet has no invoice with that payment hash.
/// - `badResponse`: the answer was malformed or inconsistent (e.g. the invoice it returned does
///   not match the request); the wallet or something between is misbehaving.
/// - `amountNotWholeSats`: the wallet cannot invoice sub-satoshi amounts and refuses to round.
/// - `invalidRequest`: the call was refused before contacting the wallet (e.g. a malformed hash).
/// - `rejected`: the wallet understood and refused (an NWC error code, an LNbits 4xx with reason).
public struct LightningWalletError: Error, CustomStringConvertible, Equatable, Sendable {
    private enum Code: Equatable, Sendable {
        case unreachable(String)
        case httpStatus(Int, String)
        case unauthorized(String)
        case unknownInvoice(String)
        case badResponse(String)
        case amountNotWholeSats(Int64)
        case invalidRequest(String)
        case rejected(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    public static func unreachable(_ why: String) -> Self { .init(.unreachable(why)) }
    /// `body` is cut to a short excerpt so that error messages stay one line.
    public static func httpStatus(_ status: Int, body: String) -> Self {
        .init(.httpStatus(status, excerpt(body)))
    }
    public static func unauthorized(_ why: String) -> Self { .init(.unauthorized(why)) }
    public static func unknownInvoice(paymentHash: String) -> Self { .init(.unknownInvoice(paymentHash)) }
    public static func badResponse(_ why: String) -> Self { .init(.badResponse(why)) }
    public static func amountNotWholeSats(_ msats: Int64) -> Self { .init(.amountNotWholeSats(msats)) }
    public static func invalidRequest(_ why: String) -> Self { .init(.invalidRequest(why)) }
    public static func rejected(_ why: String) -> Self { .init(.rejected(why)) }

    /// Whether trying again later may succeed without anyone changing anything.
    public var isTransient: Bool {
        switch code {
        case .unreachable: return true
        case let .httpStatus(status, _): return status == 429 || (500...599).contains(status)
        default: return false
        }
    }

    public var isUnauthorized: Bool { if case .unauthorized = code { true } else { false } }
    public var isUnknownInvoice: Bool { if case .unknownInvoice = code { true } else { false } }

    public var description: String {
        switch code {
        case let .unreachable(why): return "the Lightning wallet could not be reached: \(why)"
        case let .httpStatus(status, body): return "the Lightning wallet answered HTTP \(status): \(body)"
        case let .unauthorized(why): return "the Lightning wallet refused the key: \(why)"
        case let .unknownInvoice(hash): return "the Lightning wallet has no invoice with payment hash \(hash)"
        case let .badResponse(why): return "the Lightning wallet gave a bad answer: \(why)"
        case let .amountNotWholeSats(msats):
            return "the Lightning wallet invoices whole satoshis only, and \(msats) msats is not a whole number of satoshis"
        case let .invalidRequest(why): return "invalid Lightning wallet request: \(why)"
        case let .rejected(why): return "the Lightning wallet refused: \(why)"
        }
    }

    private static func excerpt(_ body: String) -> String {
        let oneLine = body.split(whereSeparator: \.isNewline).joined(separator: " ")
        return oneLine.count <= 200 ? oneLine : String(oneLine.prefix(200)) + "…"
    }
}
