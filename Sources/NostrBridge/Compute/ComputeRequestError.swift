/// Why a compute request (kind 5900) is malformed. `description` is written for the tenant: it
/// goes back verbatim in a kind 7000 `error` and says exactly which tag to fix and how.
///
/// Equality compares the kind of failure and the tag it concerns, never the wording. Secret
/// values (secret-env values, Cashu tokens, decrypted content) are never quoted.
public struct ComputeRequestError: Error, CustomStringConvertible, Hashable, Sendable {
    private enum Code: Hashable, Sendable {
        case missing
        case duplicate
        case invalid
        case conflict
        case tooMany
        case secretInPlain
        case undecryptable
    }

    private let code: Code
    /// The tag or param key the error is about, e.g. "cpu", "bid", "encrypted".
    public let field: String
    private let detail: String

    private init(_ code: Code, _ field: String, _ detail: String) {
        self.code = code
        self.field = field
        self.detail = detail
    }

    public var description: String { detail }

    public static func == (lhs: ComputeRequestError, rhs: ComputeRequestError) -> Bool {
        lhs.code == rhs.code && lhs.field == rhs.field
    }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(field)
    }

    // Patterns for comparison: `error == .missing("cpu")`.
    public static func missing(_ field: String) -> ComputeRequestError { ComputeRequestError(.missing, field, "\(field) is missing") }
    public static func duplicate(_ field: String) -> ComputeRequestError { ComputeRequestError(.duplicate, field, "\(field) is repeated") }
    public static func invalid(_ field: String) -> ComputeRequestError { ComputeRequestError(.invalid, field, "\(field) is invalid") }
    public static func conflict(_ field: String) -> ComputeRequestError { ComputeRequestError(.conflict, field, "\(field) conflicts") }
    public static func tooMany(_ field: String) -> ComputeRequestError { ComputeRequestError(.tooMany, field, "too many \(field)") }
    public static func secretInPlain(_ field: String) -> ComputeRequestError { ComputeRequestError(.secretInPlain, field, "\(field) in a plain request") }
    public static let undecryptable = ComputeRequestError(.undecryptable, ComputeTag.encrypted, "the encrypted content cannot be read")

    // The tenant-facing messages.
    static func missingParam(_ key: String, example: String) -> ComputeRequestError {
        ComputeRequestError(.missing, key, "missing \(key): add a tag [\"param\",\"\(key)\",\(example)")
    }
    static func missingBid() -> ComputeRequestError {
        ComputeRequestError(.missing, ComputeTag.bid,
                            "missing bid: add [\"bid\",\"<msats>\"], the most you will pay for the whole duration, in millisatoshis")
    }
    static func invalidBid(_ value: String) -> ComputeRequestError {
        ComputeRequestError(.invalid, ComputeTag.bid,
                            "bid \(ComputeTagValues.quoted(value)) is not a number of millisatoshis: write a whole number from 1 to "
                                + "\(ComputeWireLimits.msats.upperBound) in decimal digits, e.g. [\"bid\",\"600000\"]")
    }
    static func duplicateParam(_ key: String) -> ComputeRequestError {
        ComputeRequestError(.duplicate, key, "\(key) is given more than once (in the tags and/or the encrypted content): keep exactly one")
    }
    static func emptyParam(_ key: String) -> ComputeRequestError {
        ComputeRequestError(.invalid, key, "[\"param\",\"\(key)\"] has no value: add the value after the key")
    }
    static func invalid(_ field: String, _ message: String) -> ComputeRequestError {
        ComputeRequestError(.invalid, field, message)
    }
    static func duplicate(_ field: String, _ message: String) -> ComputeRequestError {
        ComputeRequestError(.duplicate, field, message)
    }
    static func conflict(_ field: String, _ message: String) -> ComputeRequestError {
        ComputeRequestError(.conflict, field, message)
    }
    static func tooMany(_ field: String, _ message: String) -> ComputeRequestError {
        ComputeRequestError(.tooMany, field, message)
    }
    static func secretInPlain(_ field: String, _ message: String) -> ComputeRequestError {
        ComputeRequestError(.secretInPlain, field, message)
    }
    static func undecryptable(_ message: String) -> ComputeRequestError {
        ComputeRequestError(.undecryptable, ComputeTag.encrypted, message)
    }
}
