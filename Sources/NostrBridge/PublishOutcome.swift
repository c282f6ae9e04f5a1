/// What one relay made of one published event.
public enum PublishOutcome: Sendable, Hashable {
    /// `OK true`, or `OK false "duplicate: …"`: the relay has the event, which is all publishing wants.
    case accepted(RelayStatusMessage)
    /// `OK false` for any other reason; the prefix says why (`blocked`, `rate-limited`, `pow`, …).
    case rejected(RelayStatusMessage)
    /// No answer: timed out, queue full, connection closed, or the caller was cancelled.
    case failed(RelayError)

    public var isSuccess: Bool {
        if case .accepted = self { return true }
        return false
    }

    /// Maps an `OK` answer. A `false` with `duplicate:` counts as success: some relays (e.g.
    /// the Python nostr-relay) answer a re-publish that way although NIP-01 suggests `true`.
    public init(okAccepted accepted: Bool, message: RelayStatusMessage) {
        if accepted || message.prefix == .duplicate {
            self = .accepted(message)
        } else {
            self = .rejected(message)
        }
    }
}
