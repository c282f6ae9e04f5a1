import Foundation

/// Everything the dashboard page shows, as `/api/state` sends it. Built by
/// `DashboardSnapshot.build` from the operator's caches; holds no secret (no invoice, no env
/// value, no key but public ones).
public struct DashboardSnapshot: Sendable, Equatable, Codable {
    public var generatedAt: Int64
    public var provider: ProviderSummary
    public var leases: [LeaseRow]
    /// Leases that exist beyond the rows sent (the page shows the newest).
    public var leasesNotShown: Int
    public var earnings: Earnings
    public var capacity: Capacity
    public var market: Market

    public struct ProviderSummary: Sendable, Equatable, Codable {
        public var name: String
        /// Nil until the market is on Nostr (a standby replica never is).
        public var npub: String?
        public var acting: Bool
    }

    public struct LeaseRow: Sendable, Equatable, Codable {
        public var name: String
        public var tenant: String
        public var image: String
        public var cpu: String
        public var memory: String
        public var gpus: Int
        public var gpuModel: String?
        public var phase: String
        public var paymentState: String?
        public var paidUntil: Int64?
        public var earnedMsats: Int64
        public var rail: String
        public var node: String?
        public var category: String?
        public var createdAt: Int64?
    }

    public struct Earnings: Sendable, Equatable, Codable {
        public var windowSeconds: Int64
        public var totalMsats: Int64
        public var byRail: [String: Int64]
        public var series: [EarningsHistory.Series]
    }

    public struct Capacity: Sendable, Equatable, Codable {
        public var nodes: [NodeRow]
        public var warnings: [Warning]
        public var offer: OfferSummary?
    }

    public struct NodeRow: Sendable, Equatable, Codable {
        public var name: String
        public var cpuMillis: Amount
        public var memoryBytes: Amount
        public var gpus: [GPUAmount]
        public var schedulable: Bool
        public var exclusions: [String]
    }

    public struct Amount: Sendable, Equatable, Codable {
        public var free: Int64
        public var total: Int64
    }

    public struct GPUAmount: Sendable, Equatable, Codable {
        /// Empty: the node names no model.
        public var model: String
        public var free: Int64
        public var total: Int64
    }

    public struct Warning: Sendable, Equatable, Codable {
        public var node: String?
        public var text: String
    }

    /// What the offer on the relays says now.
    public struct OfferSummary: Sendable, Equatable, Codable {
        public var publishedAt: Int64
        public var cpuMillis: Amount
        public var memoryBytes: Amount
        public var gpus: [GPUAmount]
        public var rails: [String]
        public var categories: [String]
    }

    public struct Market: Sendable, Equatable, Codable {
        public var recent: [Decision]
        public var relays: [Relay]
        public var wallet: Wallet
        public var blocklists: Blocklists
    }

    /// What the trusted publishers' blocklists hold now (draft §11.1).
    public struct Blocklists: Sendable, Equatable, Codable {
        public var publishers: Int
        public var tenants: Int
        public var images: Int
        public var reports: Int
    }

    public struct Decision: Sendable, Equatable, Codable {
        public var at: Int64
        public var request: String
        public var tenant: String?
        public var outcome: String
        public var reason: String?
        public var code: String?
        public var lease: String?
        public var unsent: Bool
    }

    public struct Relay: Sendable, Equatable, Codable {
        public var url: String
        public var state: String
        public var lastError: String?
    }

    public struct Wallet: Sendable, Equatable, Codable {
        /// none (no Lightning rail), unused, reachable or unreachable.
        public var state: String
        public var detail: String?
        public var at: Int64?
    }
}
