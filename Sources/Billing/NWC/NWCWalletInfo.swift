import NostrBridge

/// What a wallet service says about itself in its kind 13194 info event.
public struct NWCWalletInfo: Sendable, Hashable {
    /// Methods from the content, e.g. `make_invoice lookup_invoice get_info`.
    public var methods: Set<String>
    /// From the `encryption` tag. NIP-47: a wallet without the tag speaks NIP-04 only.
    public var encryptions: Set<NWCEncryption>
    /// Words of the `encryption` tag this client does not know (kept for error messages).
    public var unknownEncryptions: [String]
    /// From the `notifications` tag, e.g. `payment_received`.
    public var notifications: Set<String>
    public var createdAt: Int64

    public init(
        methods: Set<String>, encryptions: Set<NWCEncryption>, unknownEncryptions: [String] = [],
        notifications: Set<String>, createdAt: Int64
    ) {
        self.methods = methods
        self.encryptions = encryptions
        self.unknownEncryptions = unknownEncryptions
        self.notifications = notifications
        self.createdAt = createdAt
    }

    /// Reads an info event. The caller has already checked the author and signature.
    public init(event: NostrEvent) throws(NWCError) {
        guard event.kind == NWCKind.info else {
            throw NWCError(.invalidResponse, "event \(event.id) is kind \(event.kind), not a NIP-47 info event (\(NWCKind.info))")
        }
        let methods = Set(event.content.split(whereSeparator: \.isWhitespace).map(String.init))
        var encryptions: Set<NWCEncryption> = []
        var unknown: [String] = []
        if let tag = event.tags.first(where: { $0.first == "encryption" }) {
            // The NIP writes one space-separated value; accept the words spread over values too.
            for word in tag.dropFirst().flatMap({ $0.split(whereSeparator: \.isWhitespace) }) {
                if let encryption = NWCEncryption(rawValue: String(word)) {
                    encryptions.insert(encryption)
                } else {
                    unknown.append(String(word))
                }
            }
        } else {
            encryptions = [.nip04]
        }
        var notifications: Set<String> = []
        for tag in event.tags where tag.first == "notifications" {
            for word in tag.dropFirst().flatMap({ $0.split(whereSeparator: \.isWhitespace) }) {
                notifications.insert(String(word))
            }
        }
        self.init(
            methods: methods, encryptions: encryptions, unknownEncryptions: unknown,
            notifications: notifications, createdAt: event.createdAt)
    }

    /// NIP-44 v2 when the wallet offers it, else NIP-04; nil when it offers neither.
    public var preferredEncryption: NWCEncryption? {
        if self.encryptions.contains(.nip44v2) { return .nip44v2 }
        if self.encryptions.contains(.nip04) { return .nip04 }
        return nil
    }

    public func supports(_ method: String) -> Bool { self.methods.contains(method) }
}
