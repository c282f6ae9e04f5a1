/// The unsigned NIP-42 authentication event a relay's challenge calls for: kind 22242 with
/// `relay` and `challenge` tags and empty content. An injected `RelayAuthSigner` turns it into a
/// signed `NostrEvent`, so the relay layer never touches private keys.
public struct RelayAuthRequest: Sendable, Hashable {
    public static let kind = 22242

    public let relayURL: String
    public let challenge: String
    /// Unix seconds; relays reject AUTH events far from their clock (NIP-42 suggests ~10 minutes).
    public let createdAt: Int64

    public init(relayURL: String, challenge: String, createdAt: Int64) {
        self.relayURL = relayURL
        self.challenge = challenge
        self.createdAt = createdAt
    }

    public var kind: Int { Self.kind }
    public var tags: [[String]] { [["relay", self.relayURL], ["challenge", self.challenge]] }
    public var content: String { "" }

    /// Whether `event` is a plausible answer to this request. It guards against a signer bug
    /// and against a late signature for an earlier challenge being sent on a newer connection.
    func isAnswered(by event: NostrEvent) -> Bool {
        event.kind == Self.kind && event.tags.contains { $0.count >= 2 && $0[0] == "challenge" && $0[1] == self.challenge }
    }
}

/// Signs a NIP-42 authentication event. May be slow (e.g. a remote signer); it runs off the read path.
public typealias RelayAuthSigner = @Sendable (RelayAuthRequest) async throws -> NostrEvent

/// When to answer a relay's AUTH challenge (only relevant with a signer).
public enum RelayAuthPolicy: Sendable, Hashable {
    /// Authenticate only once the relay answers `auth-required:` to a REQ or EVENT; then retry it.
    /// Avoids revealing the key to relays that do not need it.
    case onDemand
    /// Authenticate as soon as a challenge arrives, for relays that silently filter what
    /// unauthenticated clients may read instead of saying `auth-required:`.
    case eager
}
