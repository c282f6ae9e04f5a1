import ComputeAPI
import Foundation
import KubeClient

/// Ends a lease from outside the reconciler (a tenant's cancellation): records the terminal phase
/// and reason in status; the lease controller then deletes it and its finalizer tears it down.
enum LeaseEnding {
    static func end(_ name: String, client: KubernetesClient, phase: LeasePhase, reason: TerminationReason, message: String) async throws {
        for attempt in 1...8 {
            var lease = try await client.get(ComputeLease.self, name: name)
            var status = lease.status ?? ComputeLeaseStatus()
            if status.phase?.isTerminal ?? false { return }
            status.phase = phase
            status.terminationReason = reason
            status.message = message
            lease.status = status
            do {
                _ = try await client.replaceStatus(lease)
                return
            } catch let error as KubernetesError where error.isConflict && attempt < 8 {
                try await Task.sleep(for: .milliseconds(50 * attempt))
            }
        }
    }
}
