/// A tenant asking the provider for its container's output (kind 25900, ephemeral, §5.4). Always
/// NIP-44 encrypted to the provider: only `p` and `encrypted` are public, so relays learn neither
/// the lease nor the cursor. The provider serves it only when the author is the lease's tenant.
public struct ComputeLogRequest: Equatable, Sendable {
    /// The most lines a `tail` may ask for.
    public static let maximumTailLines = 10_000

    /// The lease's request id (the 5900 the lease answers), 64 lower-case hex.
    public var requestID: String
    /// The provider asked, hex.
    public var provider: String
    /// Keep sending new lines as the container writes them (for at most the provider's window).
    public var follow: Bool
    /// Lines written at or after this unix second.
    public var since: Int64?
    /// Lines written strictly after this instant: the cursor a client resumes from, the
    /// timestamp of the last line it has.
    public var after: ComputeLogTimestamp?
    /// Only the last this many lines of what the other fields select.
    public var tailLines: Int?

    /// Set by `parse`: this event's id, author and time.
    public private(set) var id = ""
    public private(set) var tenant = ""
    public private(set) var createdAt: Int64 = 0

    public init(requestID: String, provider: String, follow: Bool = false, since: Int64? = nil, after: ComputeLogTimestamp? = nil, tailLines: Int? = nil) {
        self.requestID = requestID
        self.provider = provider
        self.follow = follow
        self.since = since
        self.after = after
        self.tailLines = tailLines
    }

    /// The hidden tags, in this order: `e`, `follow`, `since`, `after`, `tail`.
    public var hiddenTags: [[String]] {
        var tags: [[String]] = [[ComputeTag.event, requestID], [ComputeTag.follow, follow ? "true" : "false"]]
        if let since { tags.append([ComputeTag.since, String(since)]) }
        if let after { tags.append([ComputeTag.after, after.text]) }
        if let tailLines { tags.append([ComputeTag.tail, String(tailLines)]) }
        return tags
    }

    /// The unsigned event, sealed from `key` (the tenant's) to the provider.
    public func eventBuilder(key: SecretKey) throws(ComputeEventError) -> EventBuilder {
        guard let peer = try? PublicKey(hex: provider) else { throw .encryption("the provider pubkey is not a valid key") }
        let content = try ComputeCipher.seal(hiddenTags, scheme: .nip44, key: key, peer: peer)
        return EventBuilder(kind: ComputeKinds.logRequest, content: content, tags: [[ComputeTag.pubkey, provider], [ComputeTag.encrypted]])
    }

    public func sign(with key: SecretKey, createdAt: Int64? = nil) throws(ComputeEventError) -> NostrEvent {
        var builder = try eventBuilder(key: key)
        builder.createdAt = createdAt
        do { return try builder.sign(with: key) } catch { throw .signing(error) }
    }

    /// Reads a kind 25900 addressed to `key` (the provider's). The caller has checked the
    /// signature; whether the author may read the lease's logs is the caller's to decide.
    public static func parse(_ event: NostrEvent, key: SecretKey) throws(ComputeEventError) -> ComputeLogRequest {
        guard event.kind == ComputeKinds.logRequest else { throw .wrongKind(event.kind, expected: ComputeKinds.logRequest) }
        guard event.referencedPubkeys == [key.publicKey.hex] else { throw .invalidTag(ComputeTag.pubkey, "not addressed to this provider alone") }
        guard event.hasTag(ComputeTag.encrypted), ComputeCipher.scheme(of: event.content) == .nip44 else {
            throw .invalidTag(ComputeTag.encrypted, "a log request is NIP-44 encrypted to the provider")
        }
        let (tags, _) = try ComputeReplyContext.readTags(event, key: key)
        let reader = ComputeTagReader(tags: tags, kind: event.kind)
        guard let requestID = reader.value(ComputeTag.event) else { throw .missingTag(ComputeTag.event, in: event.kind) }
        guard ComputeTagValues.isLowerHex64(requestID) else { throw .invalidTag(ComputeTag.event, "not a request id (64 lower-case hex)") }
        var request = ComputeLogRequest(requestID: requestID, provider: key.publicKey.hex)
        switch reader.value(ComputeTag.follow) {
        case nil, "false": request.follow = false
        case "true": request.follow = true
        case let other?: throw .invalidTag(ComputeTag.follow, "\(ComputeTagValues.quoted(other)) is neither \"true\" nor \"false\"")
        }
        request.since = try reader.optionalInteger(ComputeTag.since)
        if let text = reader.value(ComputeTag.after) {
            guard let after = ComputeLogTimestamp(text) else { throw .invalidTag(ComputeTag.after, "not an RFC 3339 UTC timestamp") }
            request.after = after
        }
        if let tail = try reader.optionalInteger(ComputeTag.tail) {
            guard tail <= maximumTailLines else { throw .invalidTag(ComputeTag.tail, "at most \(maximumTailLines) lines") }
            request.tailLines = Int(tail)
        }
        request.id = event.id
        request.tenant = event.pubkey
        request.createdAt = event.createdAt
        return request
    }
}
