extension RelayPool {
    /// The stored events matching `filters`, read until every connected relay has sent EOSE.
    /// Nil when that takes longer than `timeout` (a relay that never sends EOSE) or the pool has
    /// stopped: callers choose what "unknown" means for them.
    public func stored(_ filters: [Filter], timeout: Duration) async -> [NostrEvent]? {
        guard let stream = try? subscribe(filters) else { return nil }
        return await withTaskGroup(of: [NostrEvent]?.self) { group in
            group.addTask {
                var events: [NostrEvent] = []
                for await item in stream {
                    switch item {
                    case let .event(event, _): events.append(event)
                    case .endOfStoredEvents: return events
                    }
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
