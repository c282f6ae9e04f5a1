import ComputeAPI
import Foundation
import KubeClient

/// What the lease's status should say about its workload, from the live Pod (pure).
/// Conditions keep their lastTransitionTime when their status did not change.
enum LeaseStatusObserver {
    static func observe(
        lease: ComputeLease, pod: Pod?, endpoints: [LeaseEndpoint], namespace: String, now: Date
    ) -> ComputeLeaseStatus {
        var status = lease.status ?? ComputeLeaseStatus()
        status.namespace = namespace
        status.observedGeneration = lease.metadata.generation
        let stamp = Timestamp(now)

        let scheduledCondition = pod?.status?.conditions?.first { $0.type == "PodScheduled" }
        let node = pod?.spec?.nodeName
        let ready = pod?.status?.conditions?.first { $0.type == "Ready" }?.status == "True"

        if let node {
            status.node = node
            set(&status, .scheduled, .true, "Scheduled", "The workload is placed on node \(node).", stamp)
        } else if let scheduledCondition, scheduledCondition.status == "False" {
            let detail = scheduledCondition.message ?? "no node fits"
            set(&status, .scheduled, .false, scheduledCondition.reason ?? "Unschedulable",
                "No node can run this lease right now: \(detail)", stamp)
        } else {
            set(&status, .scheduled, .unknown, "Pending", "Waiting for the scheduler.", stamp)
        }

        if ready {
            set(&status, .ready, .true, "PodReady", "The workload is running and ready.", stamp)
            status.phase = .running
            status.setEndpoints(endpoints.isEmpty ? nil : endpoints)
        } else {
            let reason = pod == nil ? "Creating" : (pod?.status?.phase ?? "Pending")
            set(&status, .ready, .false, reason, "The workload is not ready yet.", stamp)
            status.phase = .provisioning
        }
        status.message = message(for: status, node: node)
        return status
    }

    static func message(for status: ComputeLeaseStatus, node: String?) -> String {
        let scheduled = status.conditions?.first { $0.type == .scheduled }
        switch status.phase {
        case .running?:
            return "Running on \(node ?? "a node")" + (status.primaryEndpoint.map { "; reachable at \($0)" } ?? "") + "."
        default:
            if scheduled?.status == .false { return scheduled?.message ?? "Not schedulable." }
            return node.map { "Starting on \($0)." } ?? "Provisioning."
        }
    }

    /// Sets a condition; its transition time moves only when its status changes.
    static func set(
        _ status: inout ComputeLeaseStatus, _ type: ConditionType, _ value: ConditionStatus, _ reason: String, _ message: String, _ now: Timestamp
    ) {
        var conditions = status.conditions ?? []
        conditions.set(Condition(type: type, status: value, reason: reason, message: message, lastTransitionTime: now,
                                 observedGeneration: status.observedGeneration))
        status.conditions = conditions
    }
}
