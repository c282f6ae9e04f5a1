import ComputeAPI
import Foundation
import NostrBridge

extension DashboardSnapshot {
    /// What the snapshot is made of: values read from the caches at one moment.
    public struct Sources: Sendable {
        public var providerName: String
        public var provider: ComputeProvider?
        public var providerKey: PublicKey?
        /// This replica leads (or runs without leader election).
        public var acting: Bool
        public var leases: [ComputeLease]
        public var inventory: InventorySnapshot
        public var offer: ComputeOffer?
        public var offerPublishedAt: Int64?
        public var decisions: [MarketJournal.Entry]
        public var relays: [RelayHealth]
        public var wallet: WalletReachability.Observation
        public var blocklist: SharedBlocklist
        public var earnings: EarningsHistory
        public var now: Date

        public init(providerName: String, provider: ComputeProvider?, providerKey: PublicKey?, acting: Bool, leases: [ComputeLease],
                    inventory: InventorySnapshot, offer: ComputeOffer?, offerPublishedAt: Int64?, decisions: [MarketJournal.Entry],
                    relays: [RelayHealth], wallet: WalletReachability.Observation, blocklist: SharedBlocklist = SharedBlocklist(),
                    earnings: EarningsHistory, now: Date) {
            self.providerName = providerName
            self.provider = provider
            self.providerKey = providerKey
            self.acting = acting
            self.leases = leases
            self.inventory = inventory
            self.offer = offer
            self.offerPublishedAt = offerPublishedAt
            self.decisions = decisions
            self.relays = relays
            self.wallet = wallet
            self.blocklist = blocklist
            self.earnings = earnings
            self.now = now
        }
    }

    /// Rows of leases sent at most, newest first: a page stays readable and small under a flood of bids.
    public static let maxLeaseRows = 500

    public static func build(_ sources: Sources) -> DashboardSnapshot {
        let newestFirst = sources.leases.sorted { ($0.metadata.creationTimestamp ?? "") > ($1.metadata.creationTimestamp ?? "") }
        let totals = sources.earnings.totals(now: sources.now)
        return DashboardSnapshot(
            generatedAt: seconds(sources.now),
            provider: ProviderSummary(name: sources.providerName, npub: sources.providerKey?.npub, acting: sources.acting),
            leases: newestFirst.prefix(maxLeaseRows).map(row),
            leasesNotShown: max(0, newestFirst.count - maxLeaseRows),
            earnings: Earnings(windowSeconds: Int64(sources.earnings.window), totalMsats: totals.values.reduce(0, +), byRail: totals,
                               series: sources.earnings.series(now: sources.now)),
            capacity: Capacity(nodes: sources.inventory.nodes.map(nodeRow), warnings: warnings(sources), offer: offerSummary(sources)),
            market: Market(
                recent: sources.decisions.reversed().map(decision),
                relays: sources.relays.sorted { $0.url < $1.url }.map { Relay(url: $0.url, state: $0.state.rawValue, lastError: $0.lastError) },
                wallet: wallet(sources), blocklists: blocklists(sources)))
    }

    static func row(_ lease: ComputeLease) -> LeaseRow {
        let spec = lease.spec
        let status = lease.status
        return LeaseRow(
            name: lease.metadata.name ?? "", tenant: npub(spec.tenantPubkey), image: spec.image, cpu: spec.resources.cpu.text,
            memory: spec.resources.memory.text, gpus: spec.resources.gpus, gpuModel: spec.resources.gpuModel,
            phase: (status?.phase ?? .awaitingPayment).rawValue, paymentState: status?.ledger?.state?.rawValue,
            paidUntil: status?.paidUntil.map { seconds($0.date) }, earnedMsats: status?.ledger?.msatsReceived ?? 0,
            rail: spec.paymentRail.rawValue, node: status?.node, category: spec.category,
            createdAt: lease.metadata.creationTimestamp.flatMap { Timestamp(rfc3339: $0) }.map { seconds($0.date) })
    }

    static func nodeRow(_ node: NodeInventory) -> NodeRow {
        let free = node.free
        return NodeRow(
            name: node.name, cpuMillis: Amount(free: free.cpuMillis, total: node.allocatable.cpuMillis),
            memoryBytes: Amount(free: free.memoryBytes, total: node.allocatable.memoryBytes),
            gpus: node.allocatable.gpus.keys.sorted().map { GPUAmount(model: $0, free: free.gpus[$0] ?? 0, total: node.allocatable.gpus[$0] ?? 0) },
            schedulable: node.isSchedulable, exclusions: node.exclusions.map(\.description))
    }

    /// What keeps capacity out of the offer, per node: the questions a provider would otherwise
    /// have to ask the logs ("why does nobody rent my GPUs?").
    static func warnings(_ sources: Sources) -> [Warning] {
        let priced = Set((sources.provider?.spec.pricing.msatsPerGpuHour ?? [:]).keys)
        var found: [Warning] = []
        for node in sources.inventory.nodes {
            for exclusion in node.exclusions {
                found.append(Warning(node: node.name, text: "takes no leases: \(exclusion)"))
            }
            for (model, count) in node.allocatable.gpus.sorted(by: { $0.key < $1.key }) where count > 0 {
                if model == ResourceAmounts.unknownGPUModel {
                    found.append(Warning(node: node.name, text: "\(count) GPU(s) without a model label (\(ComputeDefaults.gpuNodeLabelKey)): "
                        + "not advertised; label the node (GPU feature discovery does) so that its GPUs are offered"))
                } else if !priced.contains(model) {
                    found.append(Warning(node: node.name, text: "\(count) × \(model) not advertised: the ComputeProvider has no price for it "
                        + "(spec.pricing.msatsPerGpuHour)"))
                }
            }
        }
        if sources.provider == nil {
            found.append(Warning(node: nil, text: "ComputeProvider \(sources.providerName) does not exist: nothing is offered"))
        }
        return found
    }

    static func offerSummary(_ sources: Sources) -> OfferSummary? {
        guard let offer = sources.offer, let publishedAt = sources.offerPublishedAt else { return nil }
        let capacity = offer.capacity
        return OfferSummary(
            publishedAt: publishedAt,
            cpuMillis: Amount(free: capacity.cpuMillicoresFree, total: capacity.cpuMillicoresTotal),
            memoryBytes: Amount(free: capacity.memoryBytesFree, total: capacity.memoryBytesTotal),
            gpus: capacity.gpus.map { GPUAmount(model: $0.model, free: Int64($0.free), total: Int64($0.total)) },
            rails: offer.rails.map(\.rawValue), categories: offer.categories)
    }

    static func decision(_ entry: MarketJournal.Entry) -> Decision {
        Decision(at: seconds(entry.at), request: entry.request, tenant: entry.tenant.map(npub), outcome: entry.outcome.rawValue,
                 reason: entry.reason, code: entry.code, lease: entry.lease, unsent: entry.unsent)
    }

    static func blocklists(_ sources: Sources) -> Blocklists {
        let counts = sources.blocklist.counts
        return Blocklists(publishers: sources.provider?.spec.policy.blocklistPublishers?.count ?? 0, tenants: counts.tenants,
                          images: counts.images, reports: counts.reports)
    }

    static func wallet(_ sources: Sources) -> Wallet {
        guard sources.provider?.spec.payments.lightning != nil else {
            return Wallet(state: "none", detail: "this provider takes no Lightning payments", at: nil)
        }
        let observed = sources.wallet
        return Wallet(state: observed.state.rawValue, detail: observed.detail, at: observed.at.map(seconds))
    }

    /// The npub of a hex key; the text itself when it is not one (it came from a relay).
    static func npub(_ hex: String) -> String {
        (try? PublicKey(hex: hex))?.npub ?? hex
    }

    static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
}
