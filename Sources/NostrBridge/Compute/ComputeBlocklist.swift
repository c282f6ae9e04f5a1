/// What a publisher a provider trusts says should not run: its blocklist set (a NIP-51 set) and
/// its abuse reports about tenants and images (kind 7900 with `report`). Draft §11.1.
///
/// A set is kind 30000 with `["d", "nostr-compute-blocklist"]`: `["p", pubkey]` blocks a tenant,
/// `["image", reference]` blocks an image (a repository, `repo:tag`, or `repo@sha256:…`). The
/// newest replaces the older, so a publisher lifts a block by publishing the set without it.
/// A report names `["p", pubkey, relay, "tenant"]` (the marker tells it from a tenant's report
/// about a provider) or `["image", reference]`, with `["report", category, text]`; the
/// publisher withdraws it with a kind 5 deletion.
public enum ComputeBlocklist {
    public static let setKind = 30000
    public static let setIdentifier = "nostr-compute-blocklist"
    /// The `p` tag's marker of a report about a tenant.
    public static let tenantMarker = "tenant"
    /// Entries one set may hold; beyond that a set is read up to here.
    public static let maxEntries = 10_000

    /// What a publisher's set lists.
    public struct Set: Sendable, Equatable {
        public var tenants: Swift.Set<String>
        public var images: Swift.Set<String>

        public init(tenants: Swift.Set<String>, images: Swift.Set<String>) {
            self.tenants = tenants
            self.images = images
        }
    }

    /// What one report is about.
    public enum Target: Sendable, Hashable {
        case tenant(String)
        case image(String)
    }

    public struct Report: Sendable, Equatable {
        public var targets: [Target]
        public var category: String
        public var text: String
    }

    /// The filters that follow `publishers`' sets, reports and deletions.
    public static func filters(publishers: [String]) -> [Filter] {
        [
            Filter(authors: publishers, kinds: [setKind], tags: ["d": [setIdentifier]]),
            Filter(authors: publishers, kinds: [ComputeKinds.tenantFeedback, ComputeKinds.deletion]),
        ]
    }

    /// The set's entries; nil when the event is not a blocklist set. Malformed entries are skipped.
    public static func set(from event: NostrEvent) -> Set? {
        guard event.kind == setKind, event.dTag == setIdentifier else { return nil }
        var tenants = Swift.Set<String>(), images = Swift.Set<String>()
        for tag in event.tags where tag.count >= 2 && tenants.count + images.count < maxEntries {
            switch tag[0] {
            case ComputeTag.pubkey where ComputeTagValues.isLowerHex64(tag[1]): tenants.insert(tag[1])
            case "image" where isImageReference(tag[1]): images.insert(tag[1])
            default: break
            }
        }
        return Set(tenants: tenants, images: images)
    }

    /// The report about tenants or images in a 7900; nil for a tenant's rating of a provider, or
    /// one without a `report` tag.
    public static func report(from event: NostrEvent) -> Report? {
        guard event.kind == ComputeKinds.tenantFeedback, let report = event.tags(named: "report").first, report.count >= 2 else { return nil }
        var targets: [Target] = []
        for tag in event.tags where tag.count >= 2 {
            if tag[0] == ComputeTag.pubkey, tag.count >= 4, tag[3] == tenantMarker, ComputeTagValues.isLowerHex64(tag[1]) {
                targets.append(.tenant(tag[1]))
            } else if tag[0] == "image", isImageReference(tag[1]) {
                targets.append(.image(tag[1]))
            }
        }
        guard !targets.isEmpty else { return nil }
        return Report(targets: Array(targets.prefix(64)), category: String(report[1].prefix(64)),
                      text: report.count > 2 ? String(report[2].prefix(280)) : "")
    }

    /// A deletion's targets (its `e` tags).
    public static func deletedEvents(by event: NostrEvent) -> [String] {
        guard event.kind == ComputeKinds.deletion else { return [] }
        return event.tagValues(ComputeTag.event).filter(ComputeTagValues.isLowerHex64)
    }

    /// An image reference as a container runtime takes it: no spaces or control characters, no
    /// scheme, at most 512 bytes.
    static func isImageReference(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 512 && !text.contains("://")
            && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7f }
    }
}
