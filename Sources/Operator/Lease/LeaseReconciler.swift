import ComputeAPI
import Foundation
import KubeClient
import Logging

/// Everything a reconcile reads besides the lease itself. Caches are informer stores,
/// so a reconcile reads the cluster's current state without listing it.
public struct LeaseReconcilerContext: Sendable {
    public var client: KubernetesClient
    public var provider: ProviderContext
    /// Pods labelled with their lease (`LeaseLabels.lease`): the workload Jobs' pods.
    public var pods: Store<Pod>
    /// Jobs labelled with their lease: each lease's workload.
    public var jobs: Store<Job>
    public var nodes: Store<Node>
    public var events: EventRecorder
    public var finalRecords: any LeaseFinalRecordSink
    /// Billing's last look at the wallet before a lease ends unpaid; nil: end without one.
    public var payments: (any PaymentLastLook)?
    /// The operator's own namespace, the only one a lease's private-environment Secret may be in.
    public var ownNamespace: String
    public var now: @Sendable () -> Date
    public var logger: Logger
    /// Where each ended lease's record is kept; nil: no audit trail.
    public var audit: AuditTrail?
    /// Scans paid leases' images when the provider has a scanner; nil: never scanned.
    public var imageScans: ImageScans?
    /// What was last applied of each child; nil: apply every child on every pass.
    var applied: AppliedChildren?
    /// The resourceVersion the cache holds for a child, to compare with `applied`.
    var cachedVersion: @Sendable (_ kind: LeaseChildKind, _ namespace: String?, _ name: String) -> String? = { _, _, _ in nil }

    public init(
        client: KubernetesClient, provider: ProviderContext, pods: Store<Pod>, jobs: Store<Job>, nodes: Store<Node>,
        events: EventRecorder, finalRecords: any LeaseFinalRecordSink, payments: (any PaymentLastLook)? = nil,
        ownNamespace: String = LeaderElectionConfiguration.defaultNamespace, now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.client = client
        self.provider = provider
        self.pods = pods
        self.jobs = jobs
        self.nodes = nodes
        self.events = events
        self.finalRecords = finalRecords
        self.payments = payments
        self.ownNamespace = ownNamespace
        self.now = now
        self.logger = logger
    }
}

/// `reconcile(lease, context) -> Action`, in kube-runtime's shape: it looks only at current
/// state, is safe to repeat at any point, and the finalizer is its single top-level step.
public enum LeaseReconciler {
    /// How often a lease is looked at even when nothing changes, as a safety net.
    static let resync: Duration = .seconds(300)

    public static func reconcile(_ lease: ComputeLease, _ context: LeaseReconcilerContext) async throws -> Action {
        let now = context.now()
        let name = lease.metadata.name ?? ""
        let namespace = LeaseWorkloadBuilder.namespaceName(forLease: name)
        let job = context.jobs.get(ObjectKey(namespace: namespace, name: LeaseObjectNames.job))
        let pod = WorkloadObservation.workloadPod(in: context.pods.list(namespace: namespace))
        let workload = WorkloadObservation(job: job, pod: pod)
        let decision = LeaseLifecycle.decide(lease, workload: workload, now: now)
        switch decision {
        case .finalize:
            return try await finalize(lease, context)
        case .addFinalizer:
            try await addFinalizer(lease, context)
            return .awaitChange  // the patch comes back as a watch event
        case let .awaitPayment(until):
            if lease.status?.phase == nil {
                // A bid shows its phase from the moment its lease exists, not an empty PHASE column.
                try await writeStatus(lease, context) { status in
                    status.phase = .awaitingPayment
                    status.message = "Bid made; waiting for the first payment" + (until.map { " until \(Timestamp($0))" } ?? "") + "."
                }
            }
            return requeue(until: until, now: now)
        case let .end(phase, reason, message, exitCode):
            if let payments = context.payments, LastLookPolicy.applies(to: lease, reason: reason) {
                do {
                    if try await payments.lastLook(at: lease) { return .awaitChange }  // credited: the new status decides
                } catch {
                    let deadline = LastLookPolicy.deadline(of: lease) ?? now
                    if now < deadline.addingTimeInterval(LastLookPolicy.patience) {
                        context.logger.warning("cannot ask the wallet before ending an unpaid lease; asking again",
                                               metadata: ["lease": "\(name)", "error": "\(error)"])
                        return .requeue(after: LastLookPolicy.retry)
                    }
                    context.logger.error("ending an unpaid lease without a last look at the wallet, which did not answer",
                                         metadata: ["lease": "\(name)", "error": "\(error)"])
                }
            }
            try await end(lease, phase: phase, reason: reason, message: message, exitCode: exitCode, context)
            return .awaitChange
        case .delete:
            try await deleteLease(lease, context)
            return .awaitChange
        case .run:
            return try await run(lease, job: job, pod: pod, context)
        }
    }

    // MARK: Running

    private static func run(_ lease: ComputeLease, job cachedJob: Job?, pod: Pod?, _ context: LeaseReconcilerContext) async throws -> Action {
        let now = context.now()
        let name = lease.metadata.name ?? ""
        guard let provider = context.provider.current else {
            try await writeStatus(lease, context) { status in
                status.message = "Waiting for the ComputeProvider '\(context.provider.name)' that configures this operator."
            }
            return .requeue(after: .seconds(30))
        }
        // A workload that exists was made before (or without) a scan: it is not stopped for one.
        if cachedJob == nil, let settings = provider.spec.policy.imageScan, let scans = context.imageScans,
           lease.status?.imageScan?.verdict != .allowed {
            return try await awaitScan(lease, settings: settings, scans: scans, context)
        }
        let envSecretData = try await tenantEnvironment(lease, context)
        let workload: LeaseWorkload
        do {
            let nodeAddresses = Array(LeaseController.nodeAddresses(context.nodes))
            workload = try LeaseWorkloadBuilder.build(lease: lease, provider: provider.spec, envSecretData: envSecretData,
                                                      envSecretNamespace: context.ownNamespace, nodeAddresses: nodeAddresses,
                                                      jobStart: jobStart(cachedJob, now: now))
        } catch {
            // Retrying cannot fix the lease itself: say why on the lease and look again only rarely.
            let message = "This lease cannot be run: \(error)"
            if lease.status?.message != message {
                try await writeStatus(lease, context) { $0.message = message }
                await context.events.record(.warning, reason: "InvalidLease", message: message, about: reference(lease))
            }
            return .requeue(after: resync)
        }
        if let waiting = try await claimNamespace(workload, lease: lease, context) { return waiting }
        let (job, lookAgain) = try await apply(workload, cachedJob: cachedJob, context)
        if try await releaseStaleQuota(job: job, pod: pod, workload: workload, context) { return .requeue(after: .seconds(1)) }
        let service: Service?
        do {
            service = try await workload.service.asyncMap { try await context.client.apply($0, fieldManager: LeaseWorkloadBuilder.fieldManager) }
        } catch let error as KubernetesError where error.isQuotaExceeded {
            guard try await releaseStaleServiceQuota(workload, context) else { throw error }
            return .requeue(after: .seconds(1))
        }

        let addresses = pod?.spec?.nodeName.flatMap { context.nodes.get(ObjectKey(name: $0))?.status?.addresses } ?? []
        let endpoints = LeaseWorkloadBuilder.endpoints(service: service, serviceType: provider.spec.serviceType, nodeAddresses: addresses)
        let observed = LeaseStatusObserver.observe(
            lease: lease, pod: pod, endpoints: endpoints, namespace: workload.namespace.metadata.name ?? "", now: now)
        if try await writeStatus(lease, context, { $0 = observed }) != nil {
            if lease.status?.phase != observed.phase, let phase = observed.phase {
                await context.events.record(.normal, reason: phase.rawValue, message: observed.message ?? phase.rawValue, about: reference(lease))
            }
        }
        var deadline = LeaseLifecycle.nextDeadline(lease, workload: WorkloadObservation(job: job, pod: pod), now: now)
        if let lookAgain { deadline = min(deadline ?? lookAgain, lookAgain) }
        if pod == nil, let check = podCreateCheck(job) {
            // A Job still without its Pod: look at its quota once the patience is over, then now and then.
            let next = check > now ? check : now.addingTimeInterval(podCreatePatience)
            deadline = min(deadline ?? next, next)
        }
        return requeue(until: deadline, now: now)
    }

    /// The scanner's verdict on the lease's image, recorded in its status: the next pass runs the
    /// pinned digest, or ends the lease (`LeaseLifecycle`, a denial).
    private static func awaitScan(_ lease: ComputeLease, settings: ImageScanSettings, scans: ImageScans, _ context: LeaseReconcilerContext) async throws -> Action {
        let now = Timestamp(context.now())
        switch scans.outcome(for: lease, settings: settings) {
        case .pending:
            let message = "Paid; the provider's image scanner is checking \(lease.spec.image) before it runs."
            if lease.status?.message != message || lease.status?.phase != .provisioning {
                try await writeStatus(lease, context) { status in
                    status.phase = .provisioning
                    status.message = message
                }
            }
            return .requeue(after: .seconds(5))  // woken at once when the scan ends
        case let .allowed(image):
            try await writeStatus(lease, context) { $0.imageScan = LeaseImageScan(image: image, verdict: .allowed, scannedAt: now) }
            return .awaitChange
        case let .denied(image, reason):
            try await writeStatus(lease, context) { $0.imageScan = LeaseImageScan(image: image, verdict: .denied, reason: reason, scannedAt: now) }
            await context.events.record(.warning, reason: "ImageDenied", message: "The image scanner refused \(image): \(reason)", about: reference(lease))
            return .awaitChange
        case let .failed(why, permanent):
            if permanent {
                try await end(lease, phase: .failed, reason: .workloadNotStarted, message: "The image cannot be scanned: \(why).", exitCode: nil, context)
                return .awaitChange
            }
            let message = "Paid; the image could not be scanned yet (\(why)); trying again."
            if lease.status?.message != message {
                try await writeStatus(lease, context) { status in
                    status.phase = .provisioning
                    status.message = message
                }
                await context.events.record(.warning, reason: "ImageScanFailed", message: message, about: reference(lease))
            }
            return .requeue(after: .seconds(15))
        }
    }

    /// What the Job's deadline counts from: its `status.startTime`; before the Job controller set
    /// it, the Job's creation (the start can only be later, so the deadline errs on the tenant's
    /// side by that delay); with no Job yet, now (likewise).
    static func jobStart(_ job: Job?, now: Date) -> Date {
        let stamp = job?.status?.startTime ?? job?.metadata.creationTimestamp
        return stamp.flatMap { Timestamp(rfc3339: $0)?.date } ?? now
    }

    /// How long a new lease namespace may stay without the steward's binding before the lease says so.
    static let grantPatience: TimeInterval = 10

    /// The namespace first, and the right to write in it. Under the manifests' RBAC the operator
    /// may only create namespaces; it writes inside one once ncn-steward has bound it there
    /// (`NamespaceGrant`). Until then the apply is forbidden: the namespace is created, and the
    /// lease is looked at again shortly. Nil when the operator may write in the namespace.
    private static func claimNamespace(_ workload: LeaseWorkload, lease: ComputeLease, _ context: LeaseReconcilerContext) async throws -> Action? {
        let client = context.client
        let namespace = workload.namespace
        do {
            try await applyIfChanged(namespace, kind: .namespace, lease: namespace.metadata.name ?? "", context)
            return nil
        } catch let error as KubernetesError where error.isForbidden {
            let existing: Namespace
            do {
                existing = try await client.create(namespace)
            } catch let error as KubernetesError where error.isAlreadyExists {
                existing = try await client.get(Namespace.self, name: namespace.metadata.name ?? "")
            }
            let created = existing.metadata.creationTimestamp.flatMap { Timestamp(rfc3339: $0)?.date } ?? context.now()
            if context.now().timeIntervalSince(created) > grantPatience {
                let message = "Waiting for ncn-steward to let the operator write in namespace \(namespace.metadata.name ?? ""): "
                    + "is it running? kubectl -n ncn-system get deployment ncn-steward"
                if lease.status?.message != message {
                    try await writeStatus(lease, context) { $0.message = message }
                    await context.events.record(.warning, reason: "NamespaceNotGranted", message: message, about: reference(lease))
                }
                return .requeue(after: .seconds(2))
            }
            return .requeue(after: .milliseconds(200))
        }
    }

    /// One apply path: every child object is server-side applied with our field manager, so
    /// hand edits to fields we own are reverted and objects deleted by hand come back. The Job is
    /// the exception once it exists: its Pod template cannot change, so a running Job is left as it
    /// is but for its deadline, which follows each payment (`WorkloadDeadline`) by a merge patch
    /// (`JobBuilder.refresh`). Also returns when the deadline must be looked at again.
    private static func apply(_ workload: LeaseWorkload, cachedJob: Job?, _ context: LeaseReconcilerContext) async throws -> (Job, Date?) {
        let client = context.client
        let manager = LeaseWorkloadBuilder.fieldManager
        // These do not depend on each other, so they go at once: a newly paid lease waits for one
        // round trip instead of one each. All of them before the Job: its Pod must start inside
        // its quota and limits and behind its network policies.
        let leaseNamespace = workload.namespace.metadata.name ?? ""
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await applyIfChanged(workload.resourceQuota, kind: .resourceQuota, lease: leaseNamespace, context) }
            group.addTask { try await applyIfChanged(workload.limitRange, kind: .limitRange, lease: leaseNamespace, context) }
            for policy in workload.networkPolicies {
                group.addTask { try await applyIfChanged(policy, kind: .networkPolicy, lease: leaseNamespace, context) }
            }
            if let secret = workload.envSecret { group.addTask { _ = try await client.apply(secret, fieldManager: manager) } }
        }
        let job = workload.job
        guard let cachedJob else { return (try await client.apply(job, fieldManager: manager), nil) }
        guard let wanted = job.spec?.activeDeadlineSeconds else { return (cachedJob, nil) }
        let (patch, lookAgain) = JobBuilder.refresh(cachedJob, wanted: wanted, now: context.now())
        guard let patch else { return (cachedJob, lookAgain) }
        context.logger.debug("moving the workload's deadline", metadata: [
            "job": "\(job.metadata.namespace ?? "")/\(LeaseObjectNames.job)", "activeDeadlineSeconds": "\(patch.spec.activeDeadlineSeconds)",
        ])
        let patched = try await client.patch(Job.self, name: LeaseObjectNames.job, namespace: job.metadata.namespace, .merge(encoding: patch))
        return (patched, lookAgain)
    }

    /// Server-side applies `object` unless the cache shows it as our last apply left it (`AppliedChildren`).
    private static func applyIfChanged<R: KubernetesResource>(
        _ object: R, kind: LeaseChildKind, lease namespace: String, _ context: LeaseReconcilerContext
    ) async throws {
        let name = object.metadata.name ?? ""
        guard let applied = context.applied else {
            _ = try await context.client.apply(object, fieldManager: LeaseWorkloadBuilder.fieldManager)
            return
        }
        let child = AppliedChildren.Child(namespace: namespace, kind: kind, name: name)
        let desired = AppliedChildren.fingerprint(object)
        guard applied.needsApply(child, desired: desired, cachedVersion: context.cachedVersion(kind, object.metadata.namespace, name)) else { return }
        let result = try await context.client.apply(object, fieldManager: LeaseWorkloadBuilder.fieldManager)
        applied.record(child, desired: desired, resourceVersion: result.metadata.resourceVersion)
    }

    /// How long a Job may be without a Pod before its quota is suspected.
    static let podCreatePatience: TimeInterval = 5

    /// When to look at a Job that has no Pod yet, if it might be held up by a stale quota.
    private static func podCreateCheck(_ job: Job?) -> Date? {
        guard let job, !isFinished(job), let created = job.metadata.creationTimestamp.flatMap({ Timestamp(rfc3339: $0)?.date }) else { return nil }
        return created.addingTimeInterval(podCreatePatience)
    }

    private static func isFinished(_ job: Job) -> Bool {
        (job.status?.conditions ?? []).contains { ($0.type == "Complete" || $0.type == "Failed") && $0.status == "True" }
    }

    /// Quota admission reserves usage before a pod is stored; a create whose client was killed
    /// mid-request leaves the reservation behind until the quota controller's full resync (5
    /// minutes by default), and the lease's one-pod quota then refuses its only pod: the Job
    /// controller retries with back-off and never gets it in. When the Job has been without a Pod
    /// for `podCreatePatience` and the quota says its one pod is in use, the quota is deleted; the
    /// next apply re-creates it, and the quota controller counts what really exists. True when it was.
    private static func releaseStaleQuota(job: Job, pod: Pod?, workload: LeaseWorkload, _ context: LeaseReconcilerContext) async throws -> Bool {
        guard pod == nil, let check = podCreateCheck(job), context.now() >= check else { return false }
        let namespace = workload.namespace.metadata.name
        let quota = try await context.client.get(ResourceQuota.self, name: LeaseObjectNames.resourceQuota, namespace: namespace)
        guard let used = quota.status?.used?["pods"].flatMap({ Int($0) }), let hard = quota.status?.hard?["pods"].flatMap({ Int($0) }),
              used >= hard
        else { return false }
        try await recreateQuota(quota, counting: "a pod", context)
        return true
    }

    /// The same stale reservation, left by a killed Service create: re-applying a Service that
    /// exists adds no usage, so a quota refusal while it does not exist can only be counting one
    /// that was never stored. True when the quota was deleted to be counted again.
    private static func releaseStaleServiceQuota(_ workload: LeaseWorkload, _ context: LeaseReconcilerContext) async throws -> Bool {
        guard let wanted = workload.service else { return false }
        do {
            _ = try await context.client.get(Service.self, name: wanted.metadata.name ?? "", namespace: wanted.metadata.namespace)
            return false
        } catch let error as KubernetesError where error.isNotFound {}
        let quota = try await context.client.get(ResourceQuota.self, name: LeaseObjectNames.resourceQuota, namespace: wanted.metadata.namespace)
        try await recreateQuota(quota, counting: "a Service", context)
        return true
    }

    /// Deleting the quota is the one way to have the quota controller count a namespace now; the
    /// next apply re-creates it, and admission refuses everything until it has been counted.
    private static func recreateQuota(_ quota: ResourceQuota, counting phantom: String, _ context: LeaseReconcilerContext) async throws {
        let namespace = quota.metadata.namespace ?? ""
        context.logger.notice("the lease's quota counts \(phantom) that does not exist; recreating the quota", metadata: ["namespace": "\(namespace)"])
        try? await context.client.delete(ResourceQuota.self, name: LeaseObjectNames.resourceQuota, namespace: namespace,
                                         preconditionUID: quota.metadata.uid)
        // Applied again on the next pass, even if the cache has not seen the delete by then.
        context.applied?.record(AppliedChildren.Child(namespace: namespace, kind: .resourceQuota, name: LeaseObjectNames.resourceQuota),
                                desired: nil, resourceVersion: nil)
    }

    /// The tenant's private environment, decrypted from the request by the bridge into a Secret.
    private static func tenantEnvironment(_ lease: ComputeLease, _ context: LeaseReconcilerContext) async throws -> [String: String]? {
        guard let reference = lease.spec.envSecretRef else { return nil }
        // Never read another Secret on a lease's word; CheckedLease then refuses the lease.
        guard reference.name == CheckedLease.envSecretName(forLease: lease.metadata.name ?? ""), reference.namespace == context.ownNamespace
        else { return nil }
        do {
            let secret = try await context.client.get(Secret.self, name: reference.name, namespace: reference.namespace)
            // The bridge makes the lease its owner; a same-named Secret someone else made is not the tenant's.
            guard let uid = lease.metadata.uid, (secret.metadata.ownerReferences ?? []).contains(where: { $0.uid == uid }) else { return nil }
            return (secret.data ?? [:]).compactMapValues { encoded in
                Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) }
            }
        } catch let error as KubernetesError where error.isNotFound {
            throw LeaseReconcileError.missingEnvSecret(reference)
        }
    }

    // MARK: Ending and teardown

    private static func end(
        _ lease: ComputeLease, phase: LeasePhase, reason: TerminationReason, message: String, exitCode: Int32?,
        _ context: LeaseReconcilerContext
    ) async throws {
        // Conditional: the end was decided on the paid time this version shows, and billing may
        // have credited a payment since (409, and the next look decides again).
        try await writeStatus(lease, context, conditional: true) { status in
            status.phase = phase
            status.terminationReason = reason
            status.message = message
            status.exitCode = exitCode
        }
        await context.events.record(phase == .failed || phase == .expired ? .warning : .normal, reason: reason.rawValue,
                                    message: message, about: reference(lease))
        try await deleteLease(lease, context)
    }

    private static func deleteLease(_ lease: ComputeLease, _ context: LeaseReconcilerContext) async throws {
        do {
            try await context.client.delete(ComputeLease.self, name: lease.metadata.name ?? "", preconditionUID: lease.metadata.uid)
        } catch let error as KubernetesError where error.isNotFound {}
    }

    /// Publishes the final record, deletes the lease's namespace (and with it everything inside),
    /// waits until it is gone, then releases the finalizer. Every step is safe to repeat.
    private static func finalize(_ lease: ComputeLease, _ context: LeaseReconcilerContext) async throws -> Action {
        guard (lease.metadata.finalizers ?? []).contains(LeaseLifecycle.finalizer) else { return .awaitChange }
        // At least once: published, then marked, so a crash in between publishes it again.
        if lease.metadata.annotations?[LeaseLifecycle.finalRecordPublished] == nil {
            let record = LeaseFinalRecord(lease: lease)
            // The provider's own record first: a lease is not let go before it is written. Only of
            // leases that were paid for (what ran here): an unpaid stranger's expired bids must not
            // fill the trail, nor block their own deletion when it is full.
            if let audit = context.audit, (lease.status?.ledger?.tranchesPaid ?? 0) > 0 {
                let endedAt = record.endedAt ?? context.now()
                let pod = WorkloadObservation.workloadPod(
                    in: context.pods.list(namespace: LeaseWorkloadBuilder.namespaceName(forLease: lease.metadata.name ?? "")))
                try await audit.record(LeaseAuditRecord(lease: lease, pod: pod, endedAt: endedAt), endedAt: endedAt)
            }
            try await context.finalRecords.publish(record)
            struct Mark: Encodable {
                struct Meta: Encodable { var annotations: [String: String] }
                var metadata: Meta
            }
            _ = try await context.client.patch(ComputeLease.self, name: lease.metadata.name ?? "",
                                               .merge(encoding: Mark(metadata: .init(annotations: [LeaseLifecycle.finalRecordPublished: "true"]))))
        }
        let namespace = LeaseWorkloadBuilder.namespaceName(forLease: lease.metadata.name ?? "")
        do {
            let existing = try await context.client.get(Namespace.self, name: namespace)
            if existing.metadata.deletionTimestamp == nil {
                try await context.client.delete(Namespace.self, name: namespace, propagation: .foreground)
            }
            return .requeue(after: .seconds(2))
        } catch let error as KubernetesError where error.isNotFound {}
        context.applied?.forget(namespace: namespace)
        try await removeFinalizer(lease, context)
        await context.events.record(.normal, reason: "TornDown", message: "Everything the lease ran was deleted.", about: reference(lease))
        return .awaitChange
    }

    // MARK: Writes

    private static func addFinalizer(_ lease: ComputeLease, _ context: LeaseReconcilerContext) async throws {
        struct Patch: Encodable {
            struct Meta: Encodable { var finalizers: [String]; var resourceVersion: String? }
            var metadata: Meta
        }
        // The resourceVersion makes the merge patch conditional: a concurrent change fails it with 409.
        let finalizers = (lease.metadata.finalizers ?? []) + [LeaseLifecycle.finalizer]
        _ = try await context.client.patch(ComputeLease.self, name: lease.metadata.name ?? "",
                                           .merge(encoding: Patch(metadata: .init(finalizers: finalizers, resourceVersion: lease.metadata.resourceVersion))))
    }

    private static func removeFinalizer(_ lease: ComputeLease, _ context: LeaseReconcilerContext) async throws {
        guard let index = lease.metadata.finalizers?.firstIndex(of: LeaseLifecycle.finalizer) else { return }
        _ = try await context.client.patch(ComputeLease.self, name: lease.metadata.name ?? "", .json([
            try .test("/metadata/finalizers/\(index)", LeaseLifecycle.finalizer),
            .remove("/metadata/finalizers/\(index)"),
        ]))
    }

    /// The reconciler's own status fields. Unconditional but for an end: each reconcile of a
    /// lease sees a store at least as new as the one before it, so its observations only move forward.
    @discardableResult
    private static func writeStatus(
        _ lease: ComputeLease, _ context: LeaseReconcilerContext, conditional: Bool = false, _ change: (inout ComputeLeaseStatus) -> Void
    ) async throws -> ComputeLease? {
        try await LeaseStatusWriter(client: context.client, owner: .reconciler).write(lease, conditional: conditional, change)
    }

    static func reference(_ lease: ComputeLease) -> ObjectReference {
        ObjectReference(apiVersion: ComputeLease.descriptor.apiVersion, kind: "ComputeLease", name: lease.metadata.name, uid: lease.metadata.uid)
    }

    private static func requeue(until deadline: Date?, now: Date) -> Action {
        guard let deadline else { return .requeue(after: resync) }
        let seconds = max(0, deadline.timeIntervalSince(now)) + 0.5
        let delay = Duration.milliseconds(Int64(seconds * 1000))
        return .requeue(after: min(delay, resync))
    }
}

/// Why a lease could not be reconciled.
public struct LeaseReconcileError: Error, CustomStringConvertible {
    private enum Code { case missingEnvSecret(SecretReference) }
    private let code: Code

    static func missingEnvSecret(_ reference: SecretReference) -> Self { .init(code: .missingEnvSecret(reference)) }

    public var description: String {
        switch code {
        case let .missingEnvSecret(reference):
            return "the lease's environment Secret \(reference.namespace)/\(reference.name) does not exist"
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
