/// How far each pubkey is from the tenant in the follow graph (kind 3 contact lists): 0 the
/// tenant, 1 whom it follows, 2 whom they follow. Anyone else is a stranger (absent).
public enum FollowGraph {
    /// `contacts` maps an author to the pubkeys its newest kind 3 lists.
    public static func distances(from root: String, contacts: [String: [String]]) -> [String: Int] {
        var distances = [root: 0]
        let follows = Set(contacts[root] ?? []).subtracting([root])
        for pubkey in follows { distances[pubkey] = 1 }
        for follow in follows.sorted() {
            for pubkey in contacts[follow] ?? [] where distances[pubkey] == nil { distances[pubkey] = 2 }
        }
        return distances
    }

    /// The `p` tags of a kind 3, valid pubkeys only, without duplicates.
    public static func follows(inContactList tags: [[String]]) -> [String] {
        var seen = Set<String>()
        return tags.compactMap { tag in
            guard tag.count >= 2, tag[0] == "p", tag[1].utf8.count == 64, tag[1].allSatisfy(\.isHexDigit), seen.insert(tag[1].lowercased()).inserted
            else { return nil }
            return tag[1].lowercased()
        }
    }
}
