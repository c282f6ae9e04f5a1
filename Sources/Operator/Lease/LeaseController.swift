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
        public var providerName = ComputeProvider.defaultName
        /// The operator's namespace: its Secrets, and the only place a lease's environment Secret may be.
        public var ownNamespace = LeaderElectionConfiguration.defaultNamespace
        public var errorPolicy = ErrorPolicy()
        public init() {}
    }

    /// Counters for /metrics and logs.
    public struct Statistics: Sendable, Equatable {
        public var reconciles = 0
        public var failures: [String: Int] = [:]
        public var watchRestarts = 0
    }

    public let leases = Store<ComputeLease>()
    public let providers = Store<ComputeProvider>()
    public let pods = Store<Pod>()
    public let jobs = Store<Job>()
    public let nodes = Store<Node>()
    public let queue: WorkQueue<String, ContinuousClock>
    private let client: KubernetesClient
    private let options: Options
    private let finalRecords: any LeaseFinalRecordSink
    private let payments: (any PaymentLastLook)?
    private let logger: Logger
    private let stats = Mutex(Statistics())

    public init(
        client: KubernetesClient, finalRecords: any LeaseFinalRecordSink, payments: (any PaymentLastLook)? = nil, options: Options = Options(),
        logger: Logger
    ) {
        self.client = client
        self.options = options
        self.finalRecords = finalRecords
        self.payments = payments
        self.logger = logger
        self.queue = WorkQueue(clock: ContinuousClock(), errorPolicy: options.errorPolicy)
    }

    /// True once every cache holds a complete list: what readiness means for this controller.
    public var isSynced: Bool { leases.isSynced && providers.isSynced && pods.isSynced && jobs.isSynced && nodes.isSynced }

    public var statistics: Statistics { stats.withLock { $0 } }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for try await event in client.watcher(ComputeLease.self, observer: watchObserver()) {
                    for key in leases.apply(event) { queue.add(key.name) }
                    recordPhases()
                }
            }
            group.addTask { [self] in
                let options = Watcher<ComputeProvider>.Options(fieldSelector: "metadata.name=\(self.options.providerName)")
                for try await event in client.watcher(ComputeProvider.self, options: options, observer: watchObserver()) {
                    // Prices, policy and service type apply to every lease.
                    if !providers.apply(event).isEmpty { for key in leases.keys { queue.add(key.name) } }
                }
            }
            group.addTask { [self] in
                let options = Watcher<Pod>.Options(labelSelector: LeaseLabels.lease)
                for try await event in client.watcher(Pod.self, options: options, observer: watchObserver()) {
                    pods.apply(event)
                    for name in Self.leaseNames(affectedBy: event) { queue.add(name) }
                }
            }
            group.addTask { [self] in
                // The workload: its deadline, and whether the Job controller ended it.
                let options = Watcher<Job>.Options(labelSelector: LeaseLabels.lease)
                for try await event in client.watcher(Job.self, options: options, observer: watchObserver()) {
                    jobs.apply(event)
                    for name in Self.leaseNames(affectedBy: event) { queue.add(name) }
                }
            }
            group.addTask { [self] in
                for try await event in client.watcher(Node.self, observer: watchObserver()) {
                    // Node addresses are cut out of every lease's egress: a changed set means new policies.
                    let before = Self.nodeAddresses(nodes)
                    nodes.apply(event)
                    if nodes.isSynced, Self.nodeAddresses(nodes) != before { for key in leases.keys { queue.add(key.name) } }
                }
            }
            // A child edited or deleted by hand wakes its lease, whose reconcile re-applies it.
            group.addTask { [self] in try await requeueOwners(of: Namespace.self) }
            group.addTask { [self] in try await requeueOwners(of: Service.self) }
            group.addTask { [self] in try await requeueOwners(of: NetworkPolicy.self) }
            group.addTask { [self] in try await requeueOwners(of: ResourceQuota.self) }
            group.addTask { [self] in try await requeueOwners(of: LimitRange.self) }
            // Decisions are level-triggered, so they wait for complete caches.
            await leases.waitUntilSynced()
            await providers.waitUntilSynced()
            await pods.waitUntilSynced()
            await jobs.waitUntilSynced()
            await nodes.waitUntilSynced()
            logger.info("caches synced; reconciling", metadata: ["leases": "\(leases.keys.count)"])
            for _ in 0..<max(1, options.workers) {
                group.addTask { [self] in await work() }
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
            let context = LeaseReconcilerContext(
                client: client, provider: { [providers, options] in providers.get(ObjectKey(name: options.providerName)) },
                providerName: options.providerName,
                pods: pods, jobs: jobs, nodes: nodes, events: EventRecorder(client: client, logger: logger), finalRecords: finalRecords,
                payments: payments, ownNamespace: options.ownNamespace, logger: logger)
            do {
                let action = try await LeaseReconciler.reconcile(lease, context)
                stats.withLock { $0.reconciles += 1 }
                Counter(label: "ncn_reconciles_total").increment()
                queue.finish(name, result: .success(action))
            } catch let error as KubernetesError where error.isConflict {
                // Billing writes the same status: a lost race is normal, and the fresh version is on its way.
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

    /// Counts every failed or restarted watch, per resource, for `ncn_watch_restarts_total`.
    private func watchObserver<R: KubernetesResource>() -> Watcher<R>.Observer {
        Watcher<R>.Observer(relisted: { _ in }, failed: { [self] error in
            self.stats.withLock { $0.watchRestarts += 1 }
            Counter(label: "ncn_watch_restarts_total", dimensions: [("resource", R.descriptor.plural)]).increment()
            self.logger.debug("watch interrupted; resuming", metadata: ["resource": "\(R.descriptor.plural)", "error": "\(error)"])
        })
    }

    private func requeueOwners<R: KubernetesResource>(of _: R.Type) async throws {
        for try await event in client.watcher(R.self, options: .init(labelSelector: LeaseLabels.lease), observer: watchObserver()) {
            for name in Self.leaseNames(affectedBy: event) { queue.add(name) }
        }
    }

    static func nodeAddresses(_ nodes: Store<Node>) -> Set<String> {
        Set(nodes.all.flatMap { $0.status?.addresses?.map(\.address) ?? [] })
    }

    static func leaseNames<R: KubernetesResource>(affectedBy event: WatcherEvent<R>) -> [String] {
        switch event {
        case let .restarted(pods): return pods.compactMap { $0.metadata.labels?[LeaseLabels.lease] }
        case let .applied(pod), let .deleted(pod): return pod.metadata.labels?[LeaseLabels.lease].map { [$0] } ?? []
        }
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
