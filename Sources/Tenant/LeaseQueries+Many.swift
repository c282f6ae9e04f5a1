import NostrBridge

extension LeaseQueries {
    /// The latest the relays know about each of `ids` (`ncn ls`, `ncn watch`), in one query per
    /// 200 ids. Events are de-duplicated by id, so one answer read from two relays counts once.
    public func summaries(of ids: [String]) async throws(TenantError) -> [String: LeaseSummary] {
        var byRequest: [String: [String: NostrEvent]] = [:]
        for start in stride(from: 0, to: ids.count, by: 200) {
            let chunk = Array(ids[start..<min(start + 200, ids.count)])
            let filter = Filter(kinds: [ComputeKinds.result, ComputeKinds.jobFeedback], tags: ["e": chunk])
            guard let events = await pool.stored([filter], timeout: timeout) else {
                throw TenantError(.relay, "the relays did not answer within \(timeout): check --relay")
            }
            let wanted = Set(chunk)
            for event in events {
                for id in Set(event.referencedEventIDs) where wanted.contains(id) { byRequest[id, default: [:]][event.id] = event }
            }
        }
        var summaries: [String: LeaseSummary] = [:]
        for id in ids {
            summaries[id] = LeaseSummary.summarize(requestID: id, events: Array((byRequest[id] ?? [:]).values), key: key)
        }
        return summaries
    }
}

extension LeaseSummary {
    /// Whether the provider said the lease is over.
    public var hasEnded: Bool { status == .completed || status == .terminated }
}
