/// What every answer to a request needs: which request, whose, and whether to encrypt. An
/// operator that stores these three facts with a lease can answer again after a restart.
public struct ComputeReplyContext: Sendable, Hashable {
    /// The request event's id, 64 lower-case hex digits.
    public var requestID: String
    /// The tenant's pubkey, 64 lower-case hex digits.
    public var tenant: String
    /// nil for a plain request; otherwise answers are encrypted to the tenant with this scheme.
    public var encryption: ComputeEncryption?
    /// A relay where the request can be found, for the `e` tag.
    public var relayHint: String?

    public init(requestID: String, tenant: String, encryption: ComputeEncryption? = nil, relayHint: String? = nil) {
        self.requestID = requestID
        self.tenant = tenant
        self.encryption = encryption
        self.relayHint = relayHint
    }

    /// Public tags are the ones relays and the tenant's filters need (`e`, `p`, `encrypted`,
    /// `expiration`); every other tag is sealed in `content` when the request was encrypted.
    func builder(kind: Int, tags: [[String]], publicTags extraPublic: [[String]] = [], key: SecretKey?) throws(ComputeEventError) -> EventBuilder {
        var head: [[String]] = [[ComputeTag.event, requestID] + (relayHint.map { [$0] } ?? []), [ComputeTag.pubkey, tenant]]
        guard let encryption else {
            return EventBuilder(kind: kind, content: "", tags: head + tags + extraPublic)
        }
        guard let key else { throw .missingKey }
        guard let peer = try? PublicKey(hex: tenant) else { throw .encryption("the tenant pubkey is not a valid key") }
        head.append([ComputeTag.encrypted])
        let content = try ComputeCipher.seal(tags, scheme: encryption, key: key, peer: peer)
        return EventBuilder(kind: kind, content: content, tags: head + extraPublic)
    }

    /// The tags of a provider event as its author meant them: the public ones plus, for an
    /// encrypted event, the sealed ones. `key` is the tenant's (or the provider's own).
    static func readTags(_ event: NostrEvent, key: SecretKey?) throws(ComputeEventError) -> (tags: [[String]], encryption: ComputeEncryption?) {
        guard event.hasTag(ComputeTag.encrypted) else { return (event.tags, nil) }
        guard let key else { throw .missingKey }
        let peerHex = key.publicKey.hex == event.pubkey ? (event.firstTagValue(ComputeTag.pubkey) ?? "") : event.pubkey
        guard let peer = try? PublicKey(hex: peerHex) else { throw .decryption("no valid counterpart pubkey") }
        switch ComputeCipher.open(event.content, key: key, peer: peer) {
        case .success(let (scheme, hidden)):
            return (event.tags + hidden, scheme)
        case .failure(.undecryptable(_, let why)): throw .decryption(why)
        case .failure(.notTagArray): throw .decryption("the plaintext is not a JSON array of tags")
        }
    }

    /// Reads the `e`, `p` and encryption of a provider event back into a context.
    static func read(_ event: NostrEvent, encryption: ComputeEncryption?) throws(ComputeEventError) -> ComputeReplyContext {
        guard let e = event.tags.first(where: { $0.first == ComputeTag.event && $0.count >= 2 }) else {
            throw .missingTag(ComputeTag.event, in: event.kind)
        }
        guard let p = event.firstTagValue(ComputeTag.pubkey) else { throw .missingTag(ComputeTag.pubkey, in: event.kind) }
        return ComputeReplyContext(requestID: e[1], tenant: p, encryption: encryption, relayHint: e.count >= 3 && !e[2].isEmpty ? e[2] : nil)
    }
}
