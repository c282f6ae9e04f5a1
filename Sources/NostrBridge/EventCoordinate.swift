/// The slot a replaceable or addressable event occupies: (kind, pubkey, `d` tag).
///
/// For replaceable kinds the identifier is always empty, whatever `d` tag the event carries.
public struct EventCoordinate: Sendable, Hashable, CustomStringConvertible {
    public let kind: Int
    /// Lower-case hex x-only pubkey.
    public let pubkey: String
    /// The `d` tag value; empty for replaceable kinds.
    public let identifier: String

    public init(kind: Int, pubkey: String, identifier: String = "") {
        self.kind = kind
        self.pubkey = pubkey
        self.identifier = identifier
    }

    /// Parses the `a` tag form `<kind>:<pubkey>:<d>`. The identifier may itself contain colons.
    public init?(aTag value: String) {
        let parts = value.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3,
              !parts[0].isEmpty, parts[0].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let kind = Int(parts[0]), (0...65535).contains(kind),
              parts[1].utf8.count == 64, Hex.decode(String(parts[1]), lowercaseOnly: true) != nil
        else { return nil }
        self.init(kind: kind, pubkey: String(parts[1]), identifier: String(parts[2]))
    }

    /// The `a` tag form `<kind>:<pubkey>:<d>`.
    public var description: String { "\(kind):\(pubkey):\(identifier)" }
}

extension NostrEvent {
    /// The slot this event competes for, or `nil` for regular and ephemeral kinds.
    public var coordinate: EventCoordinate? {
        switch kindClass {
        case .replaceable: return EventCoordinate(kind: kind, pubkey: pubkey)
        case .addressable: return EventCoordinate(kind: kind, pubkey: pubkey, identifier: dTag)
        case .regular, .ephemeral: return nil
        }
    }

    /// NIP-01's rule for two versions of one slot: the newer `created_at` wins, and on a tie the
    /// lower id (lexical order of the lower-case hex) wins. Total and deterministic, so every relay
    /// and client converges on the same version whatever order the events arrive in.
    public func isNewer(than other: NostrEvent) -> Bool {
        if createdAt != other.createdAt { return createdAt > other.createdAt }
        return id < other.id
    }

    /// Whether this event should replace `other` in storage: both occupy the same coordinate and
    /// this one wins the ordering rule.
    public func replaces(_ other: NostrEvent) -> Bool {
        guard let mine = coordinate, mine == other.coordinate else { return false }
        return isNewer(than: other)
    }

    /// The winner among versions of one slot, by the rule of `isNewer(than:)`.
    public static func latest<Events: Sequence>(of events: Events) -> NostrEvent? where Events.Element == NostrEvent {
        events.reduce(nil) { best, candidate in
            guard let best else { return candidate }
            return candidate.isNewer(than: best) ? candidate : best
        }
    }
}
