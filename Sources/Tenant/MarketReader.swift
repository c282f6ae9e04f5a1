import NostrBridge

/// Reads what `ncn offers` ranks from the relays: live offers, the tenant's follow graph, the
/// providers' ratings and the 6900s that make those ratings count.
public struct MarketReader: Sendable {
    public let pool: RelayPool
    public let timeout: Duration

    public init(pool: RelayPool, timeout: Duration = .seconds(8)) {
        self.pool = pool
        self.timeout = timeout
    }

    public func offers(now: Int64) async throws(TenantError) -> [OfferListing] {
        OfferListing.current(try await stored([Filter(kinds: [ComputeKinds.offer])]), now: now)
    }

    /// The tenant's follows and theirs, from the newest kind 3 of each (at most 500 follows read).
    public func distances(from tenant: String) async throws(TenantError) -> [String: Int] {
        var contacts = newestContacts(try await stored([Filter(authors: [tenant], kinds: [3])]))
        let follows = Array((contacts[tenant] ?? []).prefix(500))
        if !follows.isEmpty {
            contacts.merge(newestContacts(try await stored([Filter(authors: follows, kinds: [3])]))) { old, _ in old }
        }
        return FollowGraph.distances(from: tenant, contacts: contacts)
    }

    /// Ratings of `providers`, and which rated requests those providers answered with a 6900.
    public func ratings(of providers: [String]) async throws(TenantError) -> (ratings: [RatingRecord], answered: Set<AnsweredRequest>) {
        guard !providers.isEmpty else { return ([], []) }
        let events = try await stored([Filter(kinds: [ComputeKinds.tenantFeedback], tags: ["p": providers])])
        let ratings = events.compactMap { event -> RatingRecord? in
            guard let rating = try? ComputeRating.parse(event), let stars = rating.rating else { return nil }
            return RatingRecord(author: event.pubkey, provider: rating.provider, requestID: rating.requestID, stars: stars, createdAt: event.createdAt)
        }
        let requests = Array(Set(ratings.map(\.requestID))).sorted()
        var answered = Set<AnsweredRequest>()
        for chunk in stride(from: 0, to: requests.count, by: 200).map({ Array(requests[$0..<min($0 + 200, requests.count)]) }) {
            let results = try await stored([Filter(authors: providers, kinds: [ComputeKinds.result], tags: ["e": chunk])])
            for result in results {
                for id in result.referencedEventIDs where chunk.contains(id) { answered.insert(AnsweredRequest(provider: result.pubkey, requestID: id)) }
            }
        }
        return (ratings, answered)
    }

    private func newestContacts(_ events: [NostrEvent]) -> [String: [String]] {
        var newest: [String: NostrEvent] = [:]
        for event in events where event.kind == 3 && (newest[event.pubkey]?.createdAt ?? .min) < event.createdAt { newest[event.pubkey] = event }
        return newest.mapValues { FollowGraph.follows(inContactList: $0.tags) }
    }

    private func stored(_ filters: [Filter]) async throws(TenantError) -> [NostrEvent] {
        guard let events = await pool.stored(filters, timeout: timeout) else {
            throw TenantError(.relay, "the relays (\(pool.relayURLs.joined(separator: ", "))) did not answer within \(timeout): check the URLs or try others")
        }
        return events
    }
}
