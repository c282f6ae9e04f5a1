import ComputeAPI
import Foundation
import KubeClient

/// The one way a lease's status is written: each `LeaseStatusOwner` server-side applies its own
/// part under its own field manager (`ComputeAPI/Lease/LeaseStatusOwner.swift`). Owners never
/// overwrite each other's fields, so their writes do not conflict; a write is made conditional on
/// the version read only where its value depends on another owner's fields or on its own
/// earlier value (billing's ledger; the reconciler ending a lease on the paid time it saw).
struct LeaseStatusWriter: Sendable {
    let client: KubernetesClient
    let owner: LeaseStatusOwner

    /// Applies this owner's part of `lease.status` after `change`, if the part changed. With
    /// `conditional`, only onto the version `lease` is (409 otherwise). nil when nothing was written.
    @discardableResult
    func write(_ lease: ComputeLease, conditional: Bool, _ change: (inout ComputeLeaseStatus) -> Void) async throws -> ComputeLease? {
        var status = lease.status ?? ComputeLeaseStatus()
        change(&status)
        return try await apply(status, over: lease, conditional: conditional)
    }

    /// Reads the lease fresh, lets `change` edit its status (false: nothing to write), and applies
    /// this owner's part conditional on the version read; on a conflict it starts over from a fresh
    /// read, so `change` always decides on the version it writes. nil when nothing was written
    /// (unchanged, or the lease is being deleted); a conflict still there after 8 attempts is thrown.
    func update(_ name: String, _ change: (ComputeLease, inout ComputeLeaseStatus) -> Bool) async throws -> ComputeLease? {
        for attempt in 1...Self.attempts {
            let lease = try await client.get(ComputeLease.self, name: name)
            if lease.metadata.deletionTimestamp != nil { return nil }
            var status = lease.status ?? ComputeLeaseStatus()
            guard change(lease, &status) else { return nil }
            do {
                return try await apply(status, over: lease, conditional: true)
            } catch let error as KubernetesError where error.isConflict && attempt < Self.attempts {
                try await Task.sleep(for: .milliseconds(50 * attempt))
            }
        }
        return nil
    }

    static let attempts = 8

    private func apply(_ status: ComputeLeaseStatus, over lease: ComputeLease, conditional: Bool) async throws -> ComputeLease? {
        let part = owner.part(of: status)
        guard part != owner.part(of: lease.status ?? ComputeLeaseStatus()) else { return nil }
        return try await client.applyStatus(ComputeLease.self, name: lease.metadata.name ?? "", status: part,
                                            resourceVersion: conditional ? lease.metadata.resourceVersion : nil,
                                            fieldManager: owner.fieldManager)
    }
}
