/// Why a BOLT #11 invoice was refused.
public struct Bolt11Error: Error, CustomStringConvertible, Equatable, Sendable {
    private enum Code: Equatable, Sendable {
        case notBech32(String)
        case unknownPrefix(String)
        case invalidAmount(String)
        case tooShort
        case missingPaymentHash
        case duplicatePaymentHash
        case invalidField(String)
        case invalidSignature(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The bech32 layer refused the string (checksum, characters, mixed case, separator).
    static func notBech32(_ why: String) -> Self { .init(.notBech32(why)) }
    /// The human-readable part is not `ln` + a known network + an optional amount.
    static func unknownPrefix(_ hrp: String) -> Self { .init(.unknownPrefix(hrp)) }
    static func invalidAmount(_ why: String) -> Self { .init(.invalidAmount(why)) }
    /// The data part cannot hold a timestamp and a signature.
    static let tooShort = Self(.tooShort)
    static let missingPaymentHash = Self(.missingPaymentHash)
    static let duplicatePaymentHash = Self(.duplicatePaymentHash)
    static func invalidField(_ why: String) -> Self { .init(.invalidField(why)) }
    static func invalidSignature(_ why: String) -> Self { .init(.invalidSignature(why)) }

    public var description: String {
        switch code {
        case let .notBech32(why): return "invalid BOLT11 invoice: not valid bech32 (\(why))"
        case let .unknownPrefix(hrp):
            return "invalid BOLT11 invoice: the prefix \"\(hrp)\" is not ln + bc, tb, tbs or bcrt + an optional amount"
        case let .invalidAmount(why): return "invalid BOLT11 invoice: bad amount (\(why))"
        case .tooShort: return "invalid BOLT11 invoice: too short to hold a timestamp and a signature"
        case .missingPaymentHash: return "invalid BOLT11 invoice: it has no valid payment hash (p field)"
        case .duplicatePaymentHash: return "invalid BOLT11 invoice: it has more than one valid payment hash (p field)"
        case let .invalidField(why): return "invalid BOLT11 invoice: \(why)"
        case let .invalidSignature(why): return "invalid BOLT11 invoice: bad signature (\(why))"
        }
    }
}
