import ComputeAPI
import Foundation
import KubeClient
import Logging
import NostrBridge
import Synchronization

/// The state behind the provider's dashboard: reads the operator's caches (never the apiserver,
/// but for the audit trail once) and keeps the payments history the chart draws. Several browsers
/// polling at once share one snapshot per `reuseFor`.
public final class ProviderDashboard: Sendable {
    public struct Parts: Sendable {
        public var providerName: String
        public var provider: @Sendable () -> ComputeProvider?
        public var leases: @Sendable () -> [ComputeLease]
        public var inventory: @Sendable () -> InventorySnapshot
        public var market: MarketBridge?
        public var wallet: WalletReachability?
        public var audit: AuditTrail?
        public var acting: @Sendable () -> Bool

        public init(providerName: String, provider: @escaping @Sendable () -> ComputeProvider?, leases: @escaping @Sendable () -> [ComputeLease],
                    inventory: @escaping @Sendable () -> InventorySnapshot, market: MarketBridge?, wallet: WalletReachability?,
                    audit: AuditTrail?, acting: @escaping @Sendable () -> Bool) {
            self.providerName = providerName
            self.provider = provider
            self.leases = leases
            self.inventory = inventory
            self.market = market
            self.wallet = wallet
            self.audit = audit
            self.acting = acting
        }
    }

    private struct State: Sendable {
        var earnings = EarningsHistory()
        var auditReadAt: Date?
        var auditRead = false
        var cached: (at: Date, json: Data)?
    }

    let parts: Parts
    let reuseFor: TimeInterval
    let now: @Sendable () -> Date
    let logger: Logger
    private let state = Mutex(State())

    public init(parts: Parts, reuseFor: TimeInterval = 1, now: @escaping @Sendable () -> Date = { Date() }, logger: Logger) {
        self.parts = parts
        self.reuseFor = reuseFor
        self.now = now
        self.logger = logger
    }

    /// The snapshot as JSON.
    public func json() async -> Data {
        let now = self.now()
        if let cached = state.withLock({ $0.cached }), now.timeIntervalSince(cached.at) < reuseFor, now >= cached.at { return cached.json }
        await readAuditOnce(now: now)
        let snapshot = snapshot(now: now)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(snapshot)) ?? Data("{}".utf8)
        state.withLock { $0.cached = (now, json) }
        return json
    }

    public func snapshot(now: Date) -> DashboardSnapshot {
        let leases = parts.leases()
        let earnings = state.withLock { state in
            state.earnings.observe(leases)
            state.earnings.prune(now: now, live: Set(leases.compactMap(\.metadata.name)))
            return state.earnings
        }
        let offerEvent = parts.market?.lastOffer
        return DashboardSnapshot.build(.init(
            providerName: parts.providerName, provider: parts.provider(), providerKey: parts.market?.publicKey, acting: parts.acting(),
            leases: leases, inventory: parts.inventory(), offer: offerEvent.flatMap { try? ComputeOffer.parse($0) },
            offerPublishedAt: offerEvent?.createdAt, decisions: parts.market?.journal.recent() ?? [],
            relays: parts.market?.relayHealth() ?? [], wallet: parts.wallet?.current ?? .init(state: .unused, at: nil, detail: nil),
            blocklist: parts.market?.blocklist.withLock { $0 } ?? SharedBlocklist(), earnings: earnings, now: now))
    }

    /// Leases that ended before this process started are in the audit trail: read once (again a
    /// minute later if that failed) so that the chart does not start empty after a restart.
    private func readAuditOnce(now: Date) async {
        guard let audit = parts.audit else { return }
        let due = state.withLock { state -> Bool in
            guard !state.auditRead, state.auditReadAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true else { return false }
            state.auditReadAt = now
            return true
        }
        guard due else { return }
        do {
            let records = try await audit.records()
            let leases = parts.leases()
            state.withLock {
                // Live leases first: one that is ending has its record written already and is counted by its credits.
                $0.earnings.observe(leases)
                $0.earnings.observe(records)
                $0.auditRead = true
            }
        } catch {
            logger.warning("the dashboard cannot read the audit trail; its chart starts from the leases that exist now",
                           metadata: ["error": "\(error)"])
        }
    }
}
