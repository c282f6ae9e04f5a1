import ComputeAPI
import Foundation
import KubeClient
import Logging
import Operator
import ServiceLifecycle

/// The controllers that must only ever run on one replica: the lease controller and the
/// inventory it prices from. With leader election they run only while this replica leads,
/// and are cancelled the moment it stops leading.
public struct LeaderGatedControllers: ServiceLifecycle.Service, Sendable {
    public let controller: LeaseController
    public let inventory: Inventory
    public let elector: LeaderElector<ContinuousClock>?

    public init(controller: LeaseController, inventory: Inventory, elector: LeaderElector<ContinuousClock>?) {
        self.controller = controller
        self.inventory = inventory
        self.elector = elector
    }

    public func run() async throws {
        let work: @Sendable () async throws -> Void = { [controller, inventory] in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await controller.run() }
                group.addTask { try await inventory.run() }
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
        let synced = controller.isSynced && inventory.isSynced
        return .init(ready: synced, detail: synced ? "leading; caches synced" : "leading; caches syncing")
    }
}
