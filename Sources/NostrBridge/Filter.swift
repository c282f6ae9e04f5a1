/// A NIP-01 subscription filter.
///
/// Every condition that is set must hold (AND); within a list, one value must match (OR).
/// `limit` only shapes a relay's initial query, so `matches(_:)` ignores it.
///
/// On the wire, tag conditions are keys of the form `"#e"`; here they live in `tags` keyed by
/// the tag name without the `#`. Keys this type does not know (e.g. NIP-50 `search`) are
/// ignored when decoding.
public struct Filter: Sendable, Hashable, Codable {
    /// Event ids, exact 64-character lower-case hex.
    public var ids: [String]?
    /// Author public keys, exact 64-character lower-case hex.
    public var authors: [String]?
    public var kinds: [Int]?
    /// Tag conditions: `["p": [pubkey]]` matches events carrying a `["p", pubkey, …]` tag.
    /// NIP-01 only defines single-letter names; longer names are kept rather than dropped, because
    /// silently dropping a condition would make the local match wider than what was asked for.
    public var tags: [String: [String]]
    /// Inclusive lower bound on `created_at`.
    public var since: Int64?
    /// Inclusive upper bound on `created_at`.
    public var until: Int64?
    public var limit: Int?

    public init(
        ids: [String]? = nil,
        authors: [String]? = nil,
        kinds: [Int]? = nil,
        tags: [String: [String]] = [:],
        since: Int64? = nil,
        until: Int64? = nil,
        limit: Int? = nil
    ) {
        self.ids = ids
        self.authors = authors
        self.kinds = kinds
        self.tags = tags
        self.since = since
        self.until = until
        self.limit = limit
    }

    /// Whether `event` satisfies every condition of this filter. An empty list matches nothing,
    /// which is the literal reading of NIP-01 ("at least one of the values must match").
    public func matches(_ event: NostrEvent) -> Bool {
        if let ids, !ids.contains(event.id) { return false }
        if let authors, !authors.contains(event.pubkey) { return false }
        if let kinds, !kinds.contains(event.kind) { return false }
        if let since, event.createdAt < since { return false }
        if let until, event.createdAt > until { return false }
        for (name, values) in self.tags {
            let hasMatchingTag = event.tags.contains { tag in
                tag.count >= 2 && tag[0] == name && values.contains(tag[1])
            }
            if !hasMatchingTag { return false }
        }
        return true
    }

    // MARK: Codable

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { self.stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }

        static let ids = Key("ids")
        static let authors = Key("authors")
        static let kinds = Key("kinds")
        static let since = Key("since")
        static let until = Key("until")
        static let limit = Key("limit")
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        self.ids = try container.decodeIfPresent([String].self, forKey: .ids)
        self.authors = try container.decodeIfPresent([String].self, forKey: .authors)
        self.kinds = try container.decodeIfPresent([Int].self, forKey: .kinds)
        self.since = try container.decodeIfPresent(Int64.self, forKey: .since)
        self.until = try container.decodeIfPresent(Int64.self, forKey: .until)
        self.limit = try container.decodeIfPresent(Int.self, forKey: .limit)
        var tags: [String: [String]] = [:]
        for key in container.allKeys where key.stringValue.hasPrefix("#") && key.stringValue.count > 1 {
            tags[String(key.stringValue.dropFirst())] = try container.decode([String].self, forKey: key)
        }
        self.tags = tags
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(self.ids, forKey: .ids)
        try container.encodeIfPresent(self.authors, forKey: .authors)
        try container.encodeIfPresent(self.kinds, forKey: .kinds)
        for name in self.tags.keys.sorted() {
            try container.encode(self.tags[name], forKey: Key("#" + name))
        }
        try container.encodeIfPresent(self.since, forKey: .since)
        try container.encodeIfPresent(self.until, forKey: .until)
        try container.encodeIfPresent(self.limit, forKey: .limit)
    }
}

extension Sequence<Filter> {
    /// NIP-01: the filters of one `REQ` are alternatives (OR).
    public func anyMatches(_ event: NostrEvent) -> Bool {
        self.contains { $0.matches(event) }
    }
}
