import NostrBridge

/// `ncn status` and `ncn cancel`: one-shot reads and writes about a request.
public struct LeaseQueries: Sendable {
    public let key: SecretKey
    public let pool: RelayPool
    public var timeout: Duration = .seconds(8)

    public init(key: SecretKey, pool: RelayPool) {
        self.key = key
        self.pool = pool
    }

    public func status(of requestID: String) async throws(TenantError) -> LeaseSummary {
        let filter = Filter(kinds: [ComputeKinds.result, ComputeKinds.jobFeedback], tags: ["e": [requestID]])
        guard let events = await pool.stored([filter], timeout: timeout) else {
            throw TenantError(.relay, "the relays did not answer within \(timeout): check --relay")
        }
        return LeaseSummary.summarize(requestID: requestID, events: events, key: key)
    }

    /// Publishes the kind 5 and waits up to `wait` for the bidder's `terminated`; returns the
    /// summary after it (nil status change means the provider has not confirmed yet). Without a
    /// bid on the relays there is no one to confirm: it returns at once, unconfirmed.
    public func cancel(_ requestID: String, wait: Duration) async throws(TenantError) -> (confirmed: Bool, summary: LeaseSummary) {
        // Only the provider that bid can end the lease; a `terminated` from anyone else (any key
        // can tag the request) confirms nothing.
        let bidder = try await status(of: requestID).provider
        let filter = Filter(authors: bidder.map { [$0] }, kinds: [ComputeKinds.result], tags: ["e": [requestID]])
        let live: AsyncStream<RelaySubscriptionEvent>
        do { live = try pool.subscribe([filter]) } catch { throw TenantError(.relay, "cannot subscribe: \(error)") }
        let deletion: NostrEvent
        do { deletion = try ComputeCancellation.eventBuilder(requestID: requestID, reason: "cancelled by the tenant (ncn)").sign(with: key) } catch {
            throw TenantError(.request, "cannot sign the cancellation: \(error)")
        }
        let outcomes = await pool.publish(deletion)
        guard outcomes.values.contains(where: \.isSuccess) else {
            throw TenantError(.relay, "no relay took the cancellation: \(outcomes.map { "\($0.key): \($0.value)" }.joined(separator: "; "))")
        }
        guard let bidder else { return (false, try await status(of: requestID)) }
        let key = key
        let confirmed = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await item in live {
                    guard case let .event(event, _) = item, event.pubkey == bidder, event.createdAt >= deletion.createdAt - 1,
                          case let .result(result, _, _)? = LeaseAnswer.read(event, key: key) else { continue }
                    if result.status == .terminated || result.status == .completed { return true }
                }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: wait)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        return (confirmed, try await status(of: requestID))
    }
}
