/// Why a provider-side compute event (6900, 7000, 31900) could not be built or read.
///
/// Equality compares the kind of failure only; `description` says what is wrong. Descriptions
/// never quote encrypted content or keys.
public struct ComputeEventError: Error, CustomStringConvertible, Hashable, Sendable {
    private enum Code: Hashable, Sendable {
        case wrongKind
        case missingTag
        case invalidTag
        case encryption
        case decryption
        case missingKey
        case signing
    }

    private let code: Code
    private let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }

    public static func == (lhs: ComputeEventError, rhs: ComputeEventError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public static let wrongKind = ComputeEventError(.wrongKind, "event has the wrong kind")
    static func wrongKind(_ kind: Int, expected: Int) -> ComputeEventError {
        ComputeEventError(.wrongKind, "kind \(kind) is not a kind \(expected) compute event")
    }

    public static let missingTag = ComputeEventError(.missingTag, "a required tag is missing")
    static func missingTag(_ name: String, in kind: Int) -> ComputeEventError {
        ComputeEventError(.missingTag, "kind \(kind) event has no \"\(name)\" tag")
    }

    public static let invalidTag = ComputeEventError(.invalidTag, "a tag is malformed")
    static func invalidTag(_ name: String, _ why: String) -> ComputeEventError {
        ComputeEventError(.invalidTag, "\"\(name)\" tag: \(why)")
    }

    public static let encryption = ComputeEventError(.encryption, "could not encrypt the event to the tenant")
    static func encryption(_ why: String) -> ComputeEventError { ComputeEventError(.encryption, "could not encrypt to the tenant: \(why)") }

    public static let decryption = ComputeEventError(.decryption, "could not decrypt the event's content")
    static func decryption(_ why: String) -> ComputeEventError { ComputeEventError(.decryption, "could not decrypt the content: \(why)") }

    public static let signing = ComputeEventError(.signing, "could not sign the event")
    static func signing(_ error: EventError) -> ComputeEventError { ComputeEventError(.signing, "could not sign the event: \(error)") }

    /// The event is (or must be) encrypted and no key was given.
    public static let missingKey = ComputeEventError(.missingKey, "the event is encrypted and needs a key to be built or read")
}
