import ComputeAPI
import Foundation
import KubeClient
import Logging

/// Everything a reconcile reads besides the lease itself. Caches are informer stores,
/// so a reconcile reads the cluster's current state without listing it.
public struct LeaseReconcilerContext: Sendable {
    public var client: KubernetesClient
    public var provider: @Sendable () -> ComputeProvider?
    /// Pods labelled with their lease (`LeaseLabels.lease`).
    public var pods: Store<Pod>
    public var nodes: Store<Node>
    public var events: EventRecorder
    public var finalRecords: any LeaseFinalRecordSink
    /// Billing's last look at the wallet before a lease ends unpaid; nil: end without one.
    public var payments: (any PaymentLastLook)?
    public var now: @Sendable () -> Date
    public var logger: Logger

    public init(
        client: KubernetesClient, provider: @escaping @Sendable () -> ComputeProvider?, pods: Store<Pod>, nodes: Store<Node>,
        events: EventRecorder, finalRecords: any LeaseFinalRecordSink, payments: (any PaymentLastLook)? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.client = client
        self.provider = provider
        self.pods = pods
        self.nodes = nodes
        self.events = events
        self.finalRecords = finalRecords
        self.payments = payments
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
        let pod = context.pods.get(ObjectKey(namespace: LeaseWorkloadBuilder.namespaceName(forLease: name), name: LeaseObjectNames.pod))
        let workload = WorkloadObservation(pod: pod)
        let decision = LeaseLifecycle.decide(lease, workload: workload, now: now)
        switch decision {
        case .finalize:
            return try await finalize(lease, context)
        case .addFinalizer:
            try await addFinalizer(lease, context)
            return .awaitChange  // the patch comes back as a watch event
        case let .awaitPayment(until):
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
            return try await run(lease, pod: pod, context)
        }
    }

    // MARK: Running

    private static func run(_ lease: ComputeLease, pod cachedPod: Pod?, _ context: LeaseReconcilerContext) async throws -> Action {
        let now = context.now()
        let name = lease.metadata.name ?? ""
        guard let provider = context.provider() else {
            try await writeStatus(lease, context) { status in
                status.message = "Waiting for the ComputeProvider '\(ComputeProvider.defaultName)' that configures this operator."
            }
            return .requeue(after: .seconds(30))
        }
        let envSecretData = try await tenantEnvironment(lease, context)
        let workload: LeaseWorkload
        do {
            let nodeAddresses = Array(LeaseController.nodeAddresses(context.nodes))
            workload = try LeaseWorkloadBuilder.build(lease: lease, provider: provider.spec, envSecretData: envSecretData,
                                                      nodeAddresses: nodeAddresses)
        } catch {
            // Retrying cannot fix the lease itself: say why on the lease and look again only rarely.
            let message = "This lease cannot be run: \(error)"
            if lease.status?.message != message {
                try await writeStatus(lease, context) { $0.message = message }
                await context.events.record(.warning, reason: "InvalidLease", message: message, about: reference(lease))
            }
            return .requeue(after: resync)
        }
        let pod = try await apply(workload, cachedPod: cachedPod, context)
        let service = try await workload.service.asyncMap { try await context.client.apply($0, fieldManager: LeaseWorkloadBuilder.fieldManager) }

        let addresses = pod?.spec?.nodeName.flatMap { context.nodes.get(ObjectKey(name: $0))?.status?.addresses } ?? []
        let endpoints = LeaseWorkloadBuilder.endpoints(service: service, serviceType: provider.spec.serviceType, nodeAddresses: addresses)
        let observed = LeaseStatusObserver.observe(
            lease: lease, pod: pod, endpoints: endpoints, namespace: workload.namespace.metadata.name ?? "", now: now)
        if observed != lease.status {
            let before = lease.status?.phase
            var updated = lease
            updated.status = observed
            _ = try await context.client.replaceStatus(updated)
            if before != observed.phase, let phase = observed.phase {
                await context.events.record(.normal, reason: phase.rawValue, message: observed.message ?? phase.rawValue, about: reference(lease))
            }
        }
        let deadline = LeaseLifecycle.nextDeadline(lease, workload: WorkloadObservation(pod: pod), now: now)
        return requeue(until: deadline, now: now)
    }

    /// One apply path: every child object is server-side applied with our field manager, so
    /// hand edits to fields we own are reverted and objects deleted by hand come back.
    private static func apply(_ workload: LeaseWorkload, cachedPod: Pod?, _ context: LeaseReconcilerContext) async throws -> Pod? {
        let client = context.client
        let manager = LeaseWorkloadBuilder.fieldManager
        _ = try await client.apply(workload.namespace, fieldManager: manager)
        _ = try await client.apply(workload.resourceQuota, fieldManager: manager)
        _ = try await client.apply(workload.limitRange, fieldManager: manager)
        for policy in workload.networkPolicies { _ = try await client.apply(policy, fieldManager: manager) }
        if let secret = workload.envSecret { _ = try await client.apply(secret, fieldManager: manager) }
        do {
            return try await client.apply(workload.pod, fieldManager: manager)
        } catch let error as KubernetesError where error.isForbidden && cachedPod == nil
            && (error.status?.message ?? "").contains("exceeded quota")
        {
            // Quota admission reserves usage before the pod is stored; a client killed mid-create
            // leaves the reservation behind until the quota controller's full resync (5 minutes by
            // default), and the lease's one-pod quota then refuses its only pod. Re-creating the
            // quota makes the controller count what really exists now.
            context.logger.notice("the lease's quota counts a pod that does not exist; recreating the quota",
                                  metadata: ["namespace": "\(workload.namespace.metadata.name ?? "")"])
            try? await client.delete(ResourceQuota.self, name: LeaseObjectNames.resourceQuota, namespace: workload.pod.metadata.namespace)
            throw error
        } catch let error as KubernetesError where error.statusCode == 422 {
            // Most of a Pod's spec is immutable: an edited pod cannot be converged in place, so it is replaced.
            context.logger.notice("replacing a pod that cannot be updated in place", metadata: ["pod": "\(workload.pod.metadata.namespace ?? "")/workload", "error": "\(error)"])
            try? await client.delete(Pod.self, name: LeaseObjectNames.pod, namespace: workload.pod.metadata.namespace, preconditionUID: cachedPod?.metadata.uid)
            return nil
        }
    }

    /// The tenant's private environment, decrypted from the request by the bridge into a Secret.
    private static func tenantEnvironment(_ lease: ComputeLease, _ context: LeaseReconcilerContext) async throws -> [String: String]? {
        guard let reference = lease.spec.envSecretRef else { return nil }
        // Never read another Secret on a lease's word; CheckedLease then refuses the lease.
        guard reference.name == CheckedLease.envSecretName(forLease: lease.metadata.name ?? "") else { return nil }
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
        try await writeStatus(lease, context) { status in
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
            try await context.finalRecords.publish(LeaseFinalRecord(lease: lease))
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

    private static func writeStatus(_ lease: ComputeLease, _ context: LeaseReconcilerContext, _ change: (inout ComputeLeaseStatus) -> Void) async throws {
        var updated = lease
        var status = lease.status ?? ComputeLeaseStatus()
        change(&status)
        guard status != lease.status else { return }
        updated.status = status
        _ = try await context.client.replaceStatus(updated)
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
