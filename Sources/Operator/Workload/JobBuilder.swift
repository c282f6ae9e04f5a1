import ComputeAPI
import Foundation
import KubeClient

/// The one Job that runs the tenant's workload: a single Pod (`PodBuilder`'s template) run once,
/// which the Job controller stops at `activeDeadlineSeconds` even when the operator is down.
enum JobBuilder {
    /// The `activeDeadlineSeconds` for which the Job controller holds a wake-up (see `refresh`).
    static let armedDeadline = "ncn.dev/armed-deadline-seconds"

    static func build(_ lease: CheckedLease, activeDeadlineSeconds: Int64) -> Job {
        var spec = JobSpec(template: PodBuilder.template(lease))
        // One Pod, run once: a failed workload is the lease's end (see PodBuilder), never retried.
        spec.parallelism = 1
        spec.completions = 1
        spec.backoffLimit = 0
        spec.activeDeadlineSeconds = activeDeadlineSeconds
        // No ttlSecondsAfterFinished: a finished Job ends its lease, and the lease's teardown deletes
        // the whole namespace. Same labels as the Pod, so the Job can be traced to its lease and watched.
        let labels = LeaseLabels.workloadSelector(forLease: lease.name)
        var metadata = lease.metadata(name: LeaseObjectNames.job, extraLabels: labels)
        // The Job controller's first sync sets status.startTime and wakes up at this deadline.
        metadata.annotations = [armedDeadline: String(activeDeadlineSeconds)]
        return Job(metadata: metadata, spec: spec)
    }

    /// The merge patch that moves a running Job's deadline, and records which deadline the Job
    /// controller now holds a wake-up for.
    struct DeadlinePatch: Encodable, Equatable {
        struct Meta: Encodable, Equatable { var annotations: [String: String] }
        struct Spec: Encodable, Equatable { var activeDeadlineSeconds: Int64 }
        var metadata: Meta
        var spec: Spec

        init(activeDeadlineSeconds: Int64, armed: Int64) {
            metadata = Meta(annotations: [JobBuilder.armedDeadline: String(armed)])
            spec = Spec(activeDeadlineSeconds: activeDeadlineSeconds)
        }
    }

    /// What to write to a started Job so that its deadline is `wanted` and the Job controller will
    /// look at it then, and when to look again.
    ///
    /// The Job controller checks the deadline only when it syncs the Job: at the wake-up it queues
    /// when the Job starts and whenever `activeDeadlineSeconds` changes. Its queue keeps only the
    /// earliest wake-up per Job, and Kubernetes 1.20's controller queues none after a sync that
    /// finds the Job within its deadline (later releases queue the remaining time on every sync).
    /// So a raised deadline is lost while an earlier wake-up is pending, and after that wake-up
    /// nothing would look at the Job again. The operator keeps track of the armed deadline (an
    /// annotation) and, once its wake-up has passed, changes the deadline again, which arms it:
    /// to `wanted + 1` if it is already `wanted`, and back to `wanted` on the next look (an earlier
    /// wake-up replaces a later one). Until that re-arming, the cluster enforces the earlier,
    /// armed deadline only.
    static func refresh(_ job: Job, wanted: Int64, now: Date) -> (patch: DeadlinePatch?, lookAgain: Date?) {
        guard let start = job.status?.startTime.flatMap({ Timestamp(rfc3339: $0)?.date }), let current = job.spec?.activeDeadlineSeconds
        else { return (nil, nil) }  // not started: the first sync arms what the Job was created with
        let armed = job.metadata.annotations?[armedDeadline].flatMap { Int64($0) } ?? current
        let wakeUp = start.addingTimeInterval(TimeInterval(armed))
        guard now < wakeUp else {
            // The armed wake-up has passed and found the Job within its deadline: none is pending.
            let value = wanted == current ? wanted + 1 : wanted
            return (DeadlinePatch(activeDeadlineSeconds: value, armed: value), nil)
        }
        let stillArmed = min(armed, wanted)
        let lookAgain = wanted > stillArmed ? start.addingTimeInterval(TimeInterval(stillArmed) + 1) : nil
        guard wanted != current || stillArmed != armed else { return (nil, lookAgain) }
        return (DeadlinePatch(activeDeadlineSeconds: wanted, armed: stillArmed), lookAgain)
    }
}
