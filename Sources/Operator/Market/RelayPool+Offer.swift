import NostrBridge

extension RelayPool {
    /// Publishes to every relay and succeeds if at least one took the event, which is enough for
    /// an offer: it is republished periodically and tenants read several relays. Throws with each
    /// relay's answer otherwise.
    public func publishAccepted(_ event: NostrEvent, timeout: Duration? = nil) async throws(OfferError) {
        let outcomes = await publish(event, timeout: timeout)
        guard !outcomes.values.contains(where: \.isSuccess) else { return }
        throw .notAccepted(outcomes.sorted { $0.key < $1.key }.map { url, outcome in "\(url): \(outcome)" })
    }
}
