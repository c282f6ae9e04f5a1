/// The provider's answer to a log request (kind 26900, ephemeral, §5.4): a numbered chunk of lines,
/// NIP-44 encrypted to the tenant, at most `maximumPlaintextBytes` of plaintext. Public tags:
/// `["e", <log request id>]`, `["p", <tenant>]`, `["encrypted"]`. The last chunk of an answer
/// carries `["end", reason, text?]`.
public struct ComputeLogChunk: Equatable, Sendable {
    /// The bound on a chunk's plaintext (its hidden tags as JSON), far below NIP-44's 65 535.
    public static let maximumPlaintextBytes = 16 * 1024

    /// Why an answer ended. An open set: a client treats an unknown reason as `unavailable`.
    public struct End: Equatable, Sendable {
        public var reason: String
        public var message: String?
        public init(_ reason: String, _ message: String? = nil) {
            self.reason = reason
            self.message = message
        }

        /// Everything asked for was sent (no `follow`).
        public static let complete = "complete"
        /// The container stopped: no more lines will come.
        public static let stopped = "stopped"
        /// A follow reached the provider's time window; ask again with `after` to go on.
        public static let window = "window"
        /// The answer reached the provider's byte limit; ask again with `after` to go on.
        public static let limit = "limit"
        /// A newer log request of the same tenant for the same lease took this one's place.
        public static let replaced = "replaced"
        /// The provider serves too many log readers now; try again later.
        public static let busy = "busy"
        /// The container has not started yet (the image is being pulled); ask again in a few seconds.
        public static let starting = "starting"
        /// There is no container output to read: the lease is not paid, has ended, or the
        /// provider cannot read the log now.
        public static let unavailable = "unavailable"
    }

    public var logRequestID: String
    public var tenant: String
    /// 0 for the first chunk of an answer, then 1, 2, …: a gap means a relay lost a chunk.
    public var sequence: Int
    public var lines: [ComputeLogLine]
    public var end: End?

    public init(logRequestID: String, tenant: String, sequence: Int, lines: [ComputeLogLine] = [], end: End? = nil) {
        self.logRequestID = logRequestID
        self.tenant = tenant
        self.sequence = sequence
        self.lines = lines
        self.end = end
    }

    public var hiddenTags: [[String]] {
        var tags: [[String]] = [[ComputeTag.sequence, String(sequence)]]
        tags += lines.map(\.tag)
        if let end { tags.append([ComputeTag.end, end.reason] + (end.message.map { [ComputeStatusText.publishable($0)] } ?? [])) }
        return tags
    }

    /// The plaintext bytes of a chunk with no lines: `[["seq","n"]]` and room for any `end`
    /// (its text is at most 512 characters of up to 4 bytes, each escaped to at most 2).
    public static let overheadBytes = 64 + ComputeStatusText.maximumLength * 8
    /// The most one line's tag may take, so that a chunk always has room for a cut line.
    public static let maximumLineBytes = 8 * 1024

    public func eventBuilder(key: SecretKey) throws(ComputeEventError) -> EventBuilder {
        guard let peer = try? PublicKey(hex: tenant) else { throw .encryption("the tenant pubkey is not a valid key") }
        let plaintext = ComputeCipher.serialize(hiddenTags)
        guard plaintext.utf8.count <= Self.maximumPlaintextBytes else {
            throw .invalidTag(ComputeTag.line, "a chunk's plaintext is at most \(Self.maximumPlaintextBytes) bytes, this one \(plaintext.utf8.count)")
        }
        let content = try ComputeCipher.seal(hiddenTags, scheme: .nip44, key: key, peer: peer)
        return EventBuilder(kind: ComputeKinds.logChunk, content: content,
                            tags: [[ComputeTag.event, logRequestID], [ComputeTag.pubkey, tenant], [ComputeTag.encrypted]])
    }

    public func sign(with key: SecretKey, createdAt: Int64? = nil) throws(ComputeEventError) -> NostrEvent {
        var builder = try eventBuilder(key: key)
        builder.createdAt = createdAt
        do { return try builder.sign(with: key) } catch { throw .signing(error) }
    }

    /// Reads a kind 26900 with the tenant's `key`. The caller checks that the author is the
    /// provider it asked and that `e` is one of its own log requests.
    public static func parse(_ event: NostrEvent, key: SecretKey) throws(ComputeEventError) -> ComputeLogChunk {
        guard event.kind == ComputeKinds.logChunk else { throw .wrongKind(event.kind, expected: ComputeKinds.logChunk) }
        guard event.hasTag(ComputeTag.encrypted) else { throw .invalidTag(ComputeTag.encrypted, "a log chunk is encrypted") }
        let (tags, _) = try ComputeReplyContext.readTags(event, key: key)
        let context = try ComputeReplyContext.read(event, encryption: .nip44)
        let reader = ComputeTagReader(tags: tags, kind: event.kind)
        let sequence = try reader.integer(ComputeTag.sequence)
        guard sequence <= Int64(Int32.max) else { throw .invalidTag(ComputeTag.sequence, "too large") }
        var chunk = ComputeLogChunk(logRequestID: context.requestID, tenant: context.tenant, sequence: Int(sequence))
        for tag in reader.all(ComputeTag.line) {
            guard tag.count >= 3, let timestamp = ComputeLogTimestamp(tag[1]) else {
                throw .invalidTag(ComputeTag.line, "a line is [\"line\", <RFC 3339 timestamp>, <text>]")
            }
            chunk.lines.append(ComputeLogLine(timestamp: timestamp, text: tag[2], truncated: tag.count >= 4 && tag[3] == "truncated"))
        }
        if let end = reader.first(ComputeTag.end) {
            chunk.end = End(end[1], end.count >= 3 ? end[2] : nil)
        }
        return chunk
    }
}
