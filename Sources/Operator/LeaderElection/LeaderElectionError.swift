/// An error from leader election: a configuration it refuses, or a misuse of the elector.
///
/// Callers branch on `code`; `message` is for humans and logs. The code's representation is
/// private so new codes can be added without breaking anyone's exhaustive `switch`.
public struct LeaderElectionError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: String, Sendable, Hashable {
            case invalidConfiguration = "invalid-configuration"
            case alreadyRunning = "already-running"
            case timedOut = "timed-out"
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The timings cannot keep two leaders apart, or the identity is empty.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// `run` was called while it is already running on the same elector.
        public static let alreadyRunning = Code(.alreadyRunning)
        /// A call to the apiserver did not finish before leadership had to be given up.
        public static let timedOut = Code(.timedOut)

        public var description: String { wrapped.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
