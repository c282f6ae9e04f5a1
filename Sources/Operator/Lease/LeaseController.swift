import ComputeAPI
import Foundation
import KubeClient
import Logging
import Metrics
import Synchronization

/// Runs the lease reconciler: watches leases and everything that affects them into informer
/// stores, turns changes into work-queue keys, and reconciles each key with a small pool of
/// workers (a key is never reconciled twice at once). Runs until cancelled.
public final class LeaseController: Sendable {
    public struct Options: Sendable {
        public var workers = 2
        /// The operator's namespace: its Secrets, and the only place a lease's environment Secret may be.
        public var ownNamespace = LeaderElectionConfiguration.defaultNamespace
        /// Where ended leases' records are kept, and pruned hourly; nil: none kept.
        public var audit: AuditTrail?
        public var errorPolicy = ErrorPolicy()
        public init() {}
    }

    /// Counters for /metrics and logs.
    public struct Statistics: Sendable, Equatable {
        public var reconciles = 0
        public var failures: [String: Int] = [:]
    }

    public let leases: Store<ComputeLease>
    public let provider: ProviderContext
    public let pods: Store<Pod>
    public let jobs: Store<Job>
    public let nodes: Store<Node>
    public let queue: WorkQueue<String, ContinuousClock>
    private let informers: LeaseInformers
    private let client: KubernetesClient
    private let options: Options
    private let finalRecords: any LeaseFinalRecordSink
    private let payments: (any PaymentLastLook)?
    private let logger: Logger
    private let stats = Mutex(Statistics())
    private let applied = AppliedChildren()
    private let imageScans: ImageScans

    /// `informers` is the operator's shared cache; without one the controller has its own.
    public init(
        client: KubernetesClient, finalRecords: any LeaseFinalRecordSink, payments: (any PaymentLastLook)? = nil, options: Options = Options(),
        informers: SharedInformers? = nil, provider: ProviderContext? = nil, logger: Logger
    ) {
        self.client = client
        self.options = options
        self.finalRecords = finalRecords
        self.payments = payments
        self.logger = logger
        self.queue = WorkQueue(clock: ContinuousClock(), errorPolicy: options.errorPolicy)
        let queue = self.queue
        imageScans = ImageScans(logger: logger, wake: { queue.add($0) })
        let shared = informers ?? SharedInformers(client: client, logger: logger)
        let provider = provider ?? ProviderContext(client: client, informers: shared)
        let informers = LeaseInformers(shared, provider: provider)
        self.provider = provider
        self.informers = informers
        leases = informers.leases.store
        pods = informers.pods.store
        jobs = informers.jobs.store
        nodes = informers.nodes.store
    }

    /// True once every cache holds a complete list: what readiness means for this controller.
    public var isSynced: Bool { informers.isSynced }

    public var statistics: Statistics { stats.withLock { $0 } }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for try await update in informers.leases.updates() {
                    for key in update.changed { queue.add(key.name) }
                    recordPhases()
                }
            }
            group.addTask { [self] in
                // Prices, policy and service type apply to every lease.
                for try await update in informers.providers.updates() where !update.changed.isEmpty {
                    for key in leases.keys { queue.add(key.name) }
                }
            }
            group.addTask { [self] in
                // Node addresses are cut out of every lease's egress: a changed set means new policies.
                var known: Set<String>?
                for try await _ in informers.nodes.updates() where nodes.isSynced {
                    let addresses = Self.nodeAddresses(nodes)
                    if let known, known != addresses { for key in leases.keys { queue.add(key.name) } }
                    known = addresses
                }
            }
            // The workload (its Pod, and the Job with its deadline), and every child object: a
            // change or a hand edit wakes the lease, whose reconcile looks at it or re-applies it.
            group.addTask { [self] in try await wakeLeases(onChangesTo: informers.pods) }
            group.addTask { [self] in try await wakeLeases(onChangesTo: informers.jobs) }
            group.addTask { [self] in try await wakeLeases(onChangesTo: informers.namespaces) }
            group.addTask { [self] in try await wakeLeases(onChangesTo: informers.services) }
            group.addTask { [self] in try await wakeLeases(onChangesTo: informers.networkPolicies) }
            group.addTask { [self] in try await wakeLeases(onChangesTo: informers.resourceQuotas) }
            group.addTask { [self] in try await wakeLeases(onChangesTo: informers.limitRanges) }
            // Decisions are level-triggered, so they wait for complete caches, the children's
            // too: a first list that arrived after the workers started would wake every lease again.
            await informers.waitUntilSynced()
            logger.info("caches synced; reconciling", metadata: ["leases": "\(leases.keys.count)"])
            for _ in 0..<max(1, options.workers) {
                group.addTask { [self] in await work() }
            }
            if let audit = options.audit {
                group.addTask { [logger] in await audit.runPruning(logger: logger) }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Leases by phase, for the `ncn_leases` gauge.
    private func recordPhases() {
        var counts = Dictionary(uniqueKeysWithValues: LeasePhase.allCases.map { ($0.rawValue, 0) })
        for lease in leases.all { counts[(lease.status?.phase ?? .awaitingPayment).rawValue, default: 0] += 1 }
        for (phase, count) in counts { Gauge(label: "ncn_leases", dimensions: [("phase", phase)]).record(count) }
    }

    private func work() async {
        while let name = await queue.next() {
            Gauge(label: "ncn_queue_depth").record(queue.depth)
            guard let lease = leases.get(ObjectKey(name: name)) else {
                queue.finish(name, result: .success(.awaitChange))
                queue.forget(name)
                continue
            }
            var context = LeaseReconcilerContext(
                client: client, provider: provider,
                pods: pods, jobs: jobs, nodes: nodes, events: EventRecorder(client: client, logger: logger), finalRecords: finalRecords,
                payments: payments, ownNamespace: options.ownNamespace, logger: logger)
            context.applied = applied
            context.audit = options.audit
            context.imageScans = imageScans
            context.cachedVersion = { [informers] kind, namespace, name in informers.cachedVersion(kind: kind, namespace: namespace, name: name) }
            do {
                let action = try await LeaseReconciler.reconcile(lease, context)
                stats.withLock { $0.reconciles += 1 }
                Counter(label: "ncn_reconciles_total").increment()
                queue.finish(name, result: .success(action))
            } catch let error as KubernetesError where error.isConflict {
                // A conditional write (the finalizer, an end) lost to a newer version, such as a credit
                // billing just wrote: normal, and the fresh version is on its way.
                logger.debug("status changed under us; reconciling again", metadata: ["lease": "\(name)"])
                queue.finish(name, result: .success(.requeue(after: .milliseconds(100))))
            } catch {
                let reason = (error as? KubernetesError)?.reason ?? String(describing: type(of: error))
                stats.withLock {
                    $0.reconciles += 1
                    $0.failures[reason, default: 0] += 1
                }
                Counter(label: "ncn_reconciles_total").increment()
                Counter(label: "ncn_reconcile_errors_total", dimensions: [("reason", reason)]).increment()
                logger.warning("reconcile failed; retrying with backoff", metadata: ["lease": "\(name)", "error": "\(error)"])
                queue.finish(name, result: .failure(error))
            }
        }
    }

    static func nodeAddresses(_ nodes: Store<Node>) -> Set<String> {
        Set(nodes.all.flatMap { $0.status?.addresses?.map(\.address) ?? [] })
    }

    private func wakeLeases<R: KubernetesResource>(onChangesTo informer: Informer<R>) async throws {
        for try await update in informer.updates() {
            for key in update.changed { if let lease = Self.leaseName(ofChild: key) { queue.add(lease) } }
        }
    }

    /// The lease a child object belongs to, from where it is: its namespace is the lease's
    /// (`ncn-lease-<lease>`), or it is that namespace. Nil for anything else.
    static func leaseName(ofChild key: ObjectKey) -> String? {
        LeaseWorkloadBuilder.leaseName(ofNamespace: key.namespace ?? key.name)
    }
}

/// A sink that only logs; the Nostr bridge replaces it with one that tells the tenant.
public struct LoggingFinalRecordSink: LeaseFinalRecordSink {
    let logger: Logger
    public init(logger: Logger) { self.logger = logger }
    public func publish(_ record: LeaseFinalRecord) async throws {
        logger.info("lease ended", metadata: [
            "lease": "\(record.leaseName)", "phase": "\(record.phase.rawValue)", "reason": "\(record.reason.rawValue)",
            "msats": "\(record.ledger.msatsReceived)",
        ])
    }
}
