/// How relays store a kind (NIP-01).
public enum KindClass: Sendable, Hashable {
    /// Stored; every event is kept.
    case regular
    /// Only the latest event per (kind, pubkey) is kept.
    case replaceable
    /// Relayed but not stored.
    case ephemeral
    /// Only the latest event per (kind, pubkey, `d` tag) is kept.
    case addressable

    public init(kind: Int) {
        switch kind {
        case 0, 3, 10000..<20000: self = .replaceable
        case 20000..<30000: self = .ephemeral
        case 30000..<40000: self = .addressable
        // 1, 2, 4–44 and 1000–9999 are regular by definition; NIP-01 leaves the rest undefined,
        // and storing them like regular events is what relays do.
        default: self = .regular
        }
    }
}

extension NostrEvent {
    public var kindClass: KindClass { KindClass(kind: kind) }
}
