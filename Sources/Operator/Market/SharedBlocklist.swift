import ComputeAPI
import NostrBridge

/// The tenants and images the provider's trusted publishers block, from their blocklist sets and
/// abuse reports as they arrive from the relays (pure; `BlocklistFollower` feeds it). Only the
/// trusted publishers' events count, each set replaces its publisher's older one, and a report
/// withdrawn by its author's deletion no longer blocks, whichever of the two arrived first.
public struct SharedBlocklist: Sendable, Equatable {
    /// Why something is blocked: who says so, and their words.
    public struct Block: Sendable, Equatable {
        public var publisher: String
        public var reason: String
    }

    private struct StoredSet: Sendable, Equatable {
        var createdAt: Int64
        var id: String
        var entries: ComputeBlocklist.Set
    }

    private struct StoredReport: Sendable, Equatable {
        var publisher: String
        var createdAt: Int64
        var report: ComputeBlocklist.Report
    }

    /// One blocked image as the index keeps it; `rank` orders what is reported when several match.
    private struct ImageEntry: Sendable, Equatable {
        var reference: ImageReference
        var block: Block
        var rank: Int
    }

    /// What a request is checked against, derived from the sets and reports after each change:
    /// a lookup costs the same however long the lists are.
    private struct Index: Sendable, Equatable {
        var tenants: [String: Block] = [:]
        /// By repository; an entry also covers the repositories under its key.
        var images: [String: [ImageEntry]] = [:]
    }

    /// Reports (and deletions remembered) per publisher at most; the oldest go first.
    public static let maxReportsPerPublisher = 10_000

    private var sets: [String: StoredSet] = [:]
    private var reports: [String: StoredReport] = [:]
    /// Deleted report ids by the publisher that deleted them.
    private var deletions: [String: [String: Int64]] = [:]
    private var index = Index()

    public init() {}

    public var isEmpty: Bool { sets.isEmpty && reports.isEmpty }
    public var counts: (tenants: Int, images: Int, reports: Int) {
        (Set(sets.values.flatMap(\.entries.tenants)).count, Set(sets.values.flatMap(\.entries.images)).count, reports.count)
    }

    /// Takes in one event; true when what is blocked may have changed.
    @discardableResult
    public mutating func apply(_ event: NostrEvent, trusted: Set<String>) -> Bool {
        guard trusted.contains(event.pubkey) else { return false }
        if let entries = ComputeBlocklist.set(from: event) {
            if let old = sets[event.pubkey], (old.createdAt, old.id) >= (event.createdAt, Self.inverse(event.id)) { return false }
            sets[event.pubkey] = StoredSet(createdAt: event.createdAt, id: Self.inverse(event.id), entries: entries)
            rebuildIndex()
            return true
        }
        if let report = ComputeBlocklist.report(from: event) {
            guard reports[event.id] == nil, deletions[event.pubkey]?[event.id] == nil else { return false }
            reports[event.id] = StoredReport(publisher: event.pubkey, createdAt: event.createdAt, report: report)
            trimReports(of: event.pubkey)
            rebuildIndex()
            return true
        }
        let deleted = ComputeBlocklist.deletedEvents(by: event)
        guard !deleted.isEmpty else { return false }
        var changed = false
        for id in deleted {
            deletions[event.pubkey, default: [:]][id] = event.createdAt
            if let stored = reports[id], stored.publisher == event.pubkey {
                reports[id] = nil
                changed = true
            }
        }
        if let count = deletions[event.pubkey]?.count, count > Self.maxReportsPerPublisher {
            let oldest = deletions[event.pubkey]!.sorted { $0.value < $1.value }.prefix(count - Self.maxReportsPerPublisher).map(\.key)
            for id in oldest { deletions[event.pubkey]?[id] = nil }
        }
        if changed { rebuildIndex() }
        return changed
    }

    /// Forgets everything from publishers no longer trusted.
    public mutating func retain(publishers: Set<String>) {
        sets = sets.filter { publishers.contains($0.key) }
        reports = reports.filter { publishers.contains($0.value.publisher) }
        deletions = deletions.filter { publishers.contains($0.key) }
        rebuildIndex()
    }

    public func block(tenant pubkey: String) -> Block? {
        index.tenants[pubkey.lowercased()]
    }

    public func block(image: String) -> Block? {
        let requested = ImageReference(image)
        // The repository and each one above it ("ghcr.io/evil/miner", "ghcr.io/evil", "ghcr.io").
        var keys = [requested.repository]
        var path = requested.repository
        while let slash = path.lastIndex(of: "/") {
            path = String(path[..<slash])
            keys.append(path)
        }
        return keys.flatMap { index.images[$0] ?? [] }.filter { $0.reference.covers(requested) }.min { $0.rank < $1.rank }?.block
    }

    /// Sets first (by publisher), then reports (oldest first): the first that lists a tenant or
    /// image is the one a refusal names.
    private mutating func rebuildIndex() {
        var fresh = Index()
        var rank = 0
        func add(_ image: String, _ block: Block) {
            let reference = ImageReference(image)
            fresh.images[reference.repository, default: []].append(ImageEntry(reference: reference, block: block, rank: rank))
            rank += 1
        }
        for (publisher, stored) in sets.sorted(by: { $0.key < $1.key }) {
            let block = Block(publisher: publisher, reason: "on its blocklist")
            for tenant in stored.entries.tenants where fresh.tenants[tenant] == nil { fresh.tenants[tenant] = block }
            for image in stored.entries.images.sorted() { add(image, block) }
        }
        for stored in reports.values.sorted(by: { ($0.createdAt, $0.publisher) < ($1.createdAt, $1.publisher) }) {
            let block = Block(publisher: stored.publisher, reason: "reported for \(stored.report.category)"
                + (stored.report.text.isEmpty ? "" : ": \(stored.report.text)"))
            for target in stored.report.targets {
                switch target {
                case let .tenant(tenant) where fresh.tenants[tenant] == nil: fresh.tenants[tenant] = block
                case let .image(image): add(image, block)
                default: break
                }
            }
        }
        index = fresh
    }

    private mutating func trimReports(of publisher: String) {
        let mine = reports.filter { $0.value.publisher == publisher }
        guard mine.count > Self.maxReportsPerPublisher else { return }
        for (id, _) in mine.sorted(by: { $0.value.createdAt < $1.value.createdAt }).prefix(mine.count - Self.maxReportsPerPublisher) {
            reports[id] = nil
        }
    }

    /// NIP-01: of two replaceable events with the same timestamp, the lower id wins; stored
    /// inverted so that one comparison orders both.
    private static func inverse(_ id: String) -> String {
        String(id.map { character in
            guard let digit = character.hexDigitValue else { return character }
            return Character(String(15 - digit, radix: 16))
        })
    }
}
