/// Why mining a NIP-13 proof of work stopped without a result.
public struct ProofOfWorkError: Error, CustomStringConvertible, Hashable, Sendable {
    private enum Code: Hashable, Sendable {
        case invalidDifficulty
        case exhausted
        case cancelled
        case signingFailed
    }

    private let code: Code
    private let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "ProofOfWorkError: \(detail)" }

    public static func == (lhs: ProofOfWorkError, rhs: ProofOfWorkError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Difficulty is a count of leading zero bits of a 256-bit id: 0...256.
    public static let invalidDifficulty = ProofOfWorkError(.invalidDifficulty, "difficulty must be in 0...256")
    /// The attempt budget ran out before an id with enough leading zero bits turned up.
    public static let exhausted = ProofOfWorkError(.exhausted, "attempt budget exhausted before reaching the difficulty")
    static func exhausted(attempts: UInt64, difficulty: Int) -> ProofOfWorkError {
        ProofOfWorkError(.exhausted, "no id with \(difficulty) leading zero bits in \(attempts) attempts")
    }
    /// The surrounding task was cancelled.
    public static let cancelled = ProofOfWorkError(.cancelled, "mining was cancelled")
    static func invalidEvent(_ error: EventError) -> ProofOfWorkError {
        ProofOfWorkError(.signingFailed, "could not build the mined event: \(error)")
    }
    public static let signingFailed = ProofOfWorkError(.signingFailed, "could not sign the mined event")
}
