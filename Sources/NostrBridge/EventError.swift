/// Why an event could not be decoded, built or trusted.
///
/// Equality compares the kind of failure (and, for hex fields, which field), never the detail text,
/// so `error == .idMismatch` works whatever the ids were.
public struct EventError: Error, CustomStringConvertible, Hashable, Sendable {
    /// The hex-encoded fields of an event.
    public enum Field: String, Hashable, Sendable {
        case id, pubkey, sig
    }

    private enum Code: Hashable, Sendable {
        case malformedJSON
        case wrongLength(Field)
        case uppercaseHex(Field)
        case invalidHex(Field)
        case kindOutOfRange
        case createdAtNegative
        case createdAtInFuture
        case createdAtTooOld
        case tooLarge
        case idMismatch
        case invalidPublicKey
        case invalidSignature
        case signingFailed
    }

    private let code: Code
    private let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "EventError: \(detail)" }

    public static func == (lhs: EventError, rhs: EventError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Not JSON, or JSON that is not an event object with the NIP-01 field types.
    public static let malformedJSON = EventError(.malformedJSON, "not a NIP-01 event object")
    static func malformedJSON(_ detail: String) -> EventError { EventError(.malformedJSON, "not a NIP-01 event object: \(detail)") }

    /// `id` and `pubkey` are 64 hex digits, `sig` is 128.
    public static func wrongLength(field: Field) -> EventError {
        EventError(.wrongLength(field), "\(field.rawValue) must be \(field == .sig ? 128 : 64) hex digits")
    }
    /// NIP-01 fields are lower-case hex; upper case would give a second spelling of the same event.
    public static func uppercaseHex(field: Field) -> EventError {
        EventError(.uppercaseHex(field), "\(field.rawValue) must be lower-case hex")
    }
    public static func invalidHex(field: Field) -> EventError {
        EventError(.invalidHex(field), "\(field.rawValue) contains a non-hex character")
    }

    /// Kinds are 0...65535.
    public static let kindOutOfRange = EventError(.kindOutOfRange, "kind must be in 0...65535")
    static func kindOutOfRange(_ kind: Int) -> EventError { EventError(.kindOutOfRange, "kind \(kind) is outside 0...65535") }

    public static let createdAtNegative = EventError(.createdAtNegative, "created_at is negative")
    public static let createdAtInFuture = EventError(.createdAtInFuture, "created_at is too far in the future")
    static func createdAtInFuture(_ createdAt: Int64, now: Int64, maxSkew: Int64) -> EventError {
        EventError(.createdAtInFuture, "created_at \(createdAt) is \(createdAt - now) s ahead of now (allowed skew \(maxSkew) s)")
    }
    public static let createdAtTooOld = EventError(.createdAtTooOld, "created_at is too old")
    static func createdAtTooOld(_ createdAt: Int64, now: Int64, maxAge: Int64) -> EventError {
        EventError(.createdAtTooOld, "created_at \(createdAt) is \(now - createdAt) s old (allowed age \(maxAge) s)")
    }

    public static let tooLarge = EventError(.tooLarge, "event is larger than allowed")
    static func tooLarge(_ size: Int, limit: Int) -> EventError {
        EventError(.tooLarge, "event serializes to \(size) bytes, limit is \(limit)")
    }

    /// `id` is not the sha256 of the canonical serialization.
    public static let idMismatch = EventError(.idMismatch, "id does not match the event's canonical serialization")
    static func idMismatch(expected: String) -> EventError {
        EventError(.idMismatch, "id does not match the event's canonical serialization (computed \(expected))")
    }
    /// `pubkey` is well-formed hex but not a point on secp256k1.
    public static let invalidPublicKey = EventError(.invalidPublicKey, "pubkey is not the x coordinate of a secp256k1 point")
    /// `sig` is not a valid BIP-340 signature of `id` by `pubkey`.
    public static let invalidSignature = EventError(.invalidSignature, "sig is not a valid signature of id by pubkey")
    public static let signingFailed = EventError(.signingFailed, "could not sign the event")
}
