/// Why a token string could not be read.
public struct CashuTokenError: Error, CustomStringConvertible, Equatable {
    private enum Code: Equatable {
        case prefix
        case base64
        case json(String)
        case cbor(String)
        case field(String)
        case multipleMints
        case empty
    }
    private let code: Code

    static let prefix = Self(code: .prefix)
    static let base64 = Self(code: .base64)
    static func json(_ why: String) -> Self { Self(code: .json(why)) }
    static func cbor(_ error: CashuCBORError) -> Self { Self(code: .cbor(error.description)) }
    static func field(_ why: String) -> Self { Self(code: .field(why)) }
    static let multipleMints = Self(code: .multipleMints)
    static let empty = Self(code: .empty)

    public var description: String {
        switch code {
        case .prefix: return "not a Cashu token: it must start with cashuA (V3) or cashuB (V4)"
        case .base64: return "the Cashu token is not valid base64url"
        case let .json(why): return "the cashuA token's JSON is invalid: \(why)"
        case let .cbor(why): return "the cashuB token is invalid: \(why)"
        case let .field(why): return "the Cashu token is malformed: \(why)"
        case .multipleMints: return "the Cashu token holds ecash from more than one mint; send one token per mint"
        case .empty: return "the Cashu token holds no proofs"
        }
    }
}
