import Foundation
import Logging
import Metrics
import NostrBridge

extension MarketBridge {
    /// Follows the blocklists of the publishers the ComputeProvider trusts
    /// (`spec.policy.blocklistPublishers`) on the provider's relays, live, into `blocklist`; starts
    /// over when the provider names other publishers. Runs until cancelled.
    func followBlocklists(pool: RelayPool) async {
        while !Task.isCancelled {
            let publishers = trustedPublishers()
            blocklist.withLock { $0.retain(publishers: Set(publishers)) }
            exportBlocklistCounts()
            await withTaskGroup(of: Void.self) { group in
                if !publishers.isEmpty {
                    group.addTask { [self] in await readBlocklists(of: publishers, from: pool) }
                }
                group.addTask { [self] in
                    while !Task.isCancelled, trustedPublishers() == publishers {
                        try? await Task.sleep(for: .seconds(2))
                    }
                }
                await group.next()
                group.cancelAll()
            }
            // The subscription ends only when the pool stops or the publishers changed.
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func trustedPublishers() -> [String] {
        Array(Set((provider.current?.spec.policy.blocklistPublishers ?? []).map { $0.lowercased() })).sorted()
    }

    private func readBlocklists(of publishers: [String], from pool: RelayPool) async {
        let trusted = Set(publishers)
        let stream: AsyncStream<RelaySubscriptionEvent>
        do { stream = try pool.subscribe(ComputeBlocklist.filters(publishers: publishers)) } catch {
            logger.error("cannot follow the trusted publishers' blocklists", metadata: ["error": "\(error)"])
            return
        }
        for await item in stream {
            switch item {
            case let .event(event, relay):
                guard blocklist.withLock({ $0.apply(event, trusted: trusted) }) else { continue }
                logger.info("a trusted publisher's blocklist changed", metadata: [
                    "publisher": "\(event.pubkey)", "event": "\(event.id)", "kind": "\(event.kind)", "relay": "\(relay)",
                ])
                exportBlocklistCounts()
            case .endOfStoredEvents:
                let counts = blocklist.withLock { $0.counts }
                logger.info("following the trusted publishers' blocklists", metadata: [
                    "publishers": "\(publishers.count)", "tenants": "\(counts.tenants)", "images": "\(counts.images)", "reports": "\(counts.reports)",
                ])
            }
        }
    }

    private func exportBlocklistCounts() {
        let counts = blocklist.withLock { $0.counts }
        Gauge(label: "ncn_blocklist_entries", dimensions: [("kind", "tenant")]).record(counts.tenants)
        Gauge(label: "ncn_blocklist_entries", dimensions: [("kind", "image")]).record(counts.images)
        Gauge(label: "ncn_blocklist_entries", dimensions: [("kind", "report")]).record(counts.reports)
    }
}
