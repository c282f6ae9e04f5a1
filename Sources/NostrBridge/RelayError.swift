/// An error from the relay layer: parsing wire messages, talking to a relay, publishing.
///
/// The `code` is what callers branch on; `message` is for humans and logs and may change
/// between versions. The code's representation is private so new codes can be added
/// without breaking anyone's exhaustive `switch`.
public struct RelayError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, comparable identifier for the kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: String, Sendable, Hashable {
            case malformedMessage = "malformed-message"
            case unsupportedMessage = "unsupported-message"
            case invalidFilter = "invalid-filter"
            case invalidSubscriptionID = "invalid-subscription-id"
            case invalidURL = "invalid-url"
            case outboundQueueFull = "outbound-queue-full"
            case timeout = "timeout"
            case cancelled = "cancelled"
            case closed = "closed"
            case connectionFailed = "connection-failed"
            case authenticationFailed = "authentication-failed"
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The frame is not valid JSON, or not the shape NIP-01 prescribes for its message type.
        public static let malformedMessage = Code(.malformedMessage)
        /// The frame is a well-formed JSON array whose message type this client does not know (e.g. `COUNT`).
        /// Kept apart from `malformedMessage` so that callers can ignore newer NIPs quietly.
        public static let unsupportedMessage = Code(.unsupportedMessage)
        /// A filter object has a field of the wrong type.
        public static let invalidFilter = Code(.invalidFilter)
        /// A subscription id is empty or longer than the 64 characters NIP-01 allows.
        public static let invalidSubscriptionID = Code(.invalidSubscriptionID)
        /// A relay URL is not a `ws://` or `wss://` URL with a host.
        public static let invalidURL = Code(.invalidURL)
        /// Too many events are waiting to be sent to (or acknowledged by) a relay.
        public static let outboundQueueFull = Code(.outboundQueueFull)
        /// The relay did not answer in time.
        public static let timeout = Code(.timeout)
        /// The caller's task was cancelled while waiting.
        public static let cancelled = Code(.cancelled)
        /// The connection or pool has shut down (or was never started and can no longer be).
        public static let closed = Code(.closed)
        /// Connecting to the relay or keeping the connection open failed.
        public static let connectionFailed = Code(.connectionFailed)
        /// NIP-42 authentication could not be completed.
        public static let authenticationFailed = Code(.authenticationFailed)

        public var description: String { self.wrapped.rawValue }
    }

    public let code: Code
    /// Human-readable detail, e.g. which field of which frame was wrong.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(self.code): \(self.message)" }
}

extension RelayError {
    static func malformed(_ message: String) -> RelayError { RelayError(.malformedMessage, message) }
}
