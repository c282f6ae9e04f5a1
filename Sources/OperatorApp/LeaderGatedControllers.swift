import ComputeAPI
import Foundation
import KubeClient
import Logging
import Operator
import ServiceLifecycle

/// The controllers that must only ever run on one replica: the lease controller, billing and the
/// inventory it prices from. With leader election they run only while this replica leads,
/// and are cancelled the moment it stops leading.
public struct LeaderGatedControllers: ServiceLifecycle.Service, Sendable {
    public let controller: LeaseController
    public let inventory: Inventory
    public let billing: BillingController?
    public let cashu: CashuPayments?
    public let market: MarketBridge?
    public let elector: LeaderElector<ContinuousClock>?
    /// Hosts the watch of the provider's Secret while the controllers run.
    public let secrets: ProviderSecrets?

    public init(
        controller: LeaseController, inventory: Inventory, billing: BillingController? = nil, cashu: CashuPayments? = nil,
        market: MarketBridge? = nil, secrets: ProviderSecrets? = nil, elector: LeaderElector<ContinuousClock>?
    ) {
        self.secrets = secrets
        self.market = market
        self.controller = controller
        self.inventory = inventory
        self.billing = billing
        self.cashu = cashu
        self.elector = elector
    }

    public func run() async throws {
        let work: @Sendable () async throws -> Void = { [controller, inventory, billing, cashu, market, secrets] in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await controller.run() }
                group.addTask { try await inventory.run() }
                if let billing { group.addTask { try await billing.run() } }
                if let cashu { group.addTask { try await cashu.run() } }
                if let market { group.addTask { try await market.run() } }
                if let secrets { group.addTask { await secrets.run() } }
                try await group.next()
                group.cancelAll()
            }
        }
        // On SIGTERM: stop acting and, with an elector, release the lease for a successor.
        try await cancelWhenGracefulShutdown {
            if let elector {
                try await elector.run(whileLeading: work)
            } else {
                try await work()
            }
        }
    }

    /// Ready when the caches a decision depends on are complete; a standby replica is ready by definition.
    public func readiness() -> HealthServer.Readiness {
        if let elector, !elector.isLeader {
            return .init(ready: true, detail: "standby; leader is \(elector.currentLeader ?? "unknown")")
        }
        let synced = controller.isSynced && inventory.isSynced && (billing?.isSynced ?? true) && (market?.isSynced ?? true)
        return .init(ready: synced, detail: synced ? "leading; caches synced" : "leading; caches syncing")
    }
}
