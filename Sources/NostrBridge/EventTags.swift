extension NostrEvent {
    /// All tags whose name (first element) is `name`, in order.
    public func tags(named name: String) -> [[String]] {
        tags.filter { $0.first == name }
    }

    /// Whether any tag is named `name`, with or without a value.
    public func hasTag(_ name: String) -> Bool {
        tags.contains { $0.first == name }
    }

    /// The value (second element) of the first tag named `name` that has one.
    public func firstTagValue(_ name: String) -> String? {
        for tag in tags where tag.count >= 2 && tag[0] == name {
            return tag[1]
        }
        return nil
    }

    /// The values (second elements) of every tag named `name`; tags without a value are skipped.
    public func tagValues(_ name: String) -> [String] {
        tags.compactMap { $0.count >= 2 && $0[0] == name ? $0[1] : nil }
    }

    /// Ids from `e` tags.
    public var referencedEventIDs: [String] { tagValues("e") }

    /// Pubkeys from `p` tags.
    public var referencedPubkeys: [String] { tagValues("p") }

    /// Coordinates from `a` tags (`kind:pubkey:d`).
    public var referencedAddresses: [String] { tagValues("a") }

    /// The `d` tag value. NIP-01 treats a missing `d` tag, or one without a value, as the empty string.
    public var dTag: String { firstTagValue("d") ?? "" }
}
