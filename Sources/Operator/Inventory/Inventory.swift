import Foundation
import KubeClient
import Logging
import Synchronization

/// The live inventory: watches nodes and pods into informer caches and keeps an
/// `InventorySnapshot` of them current, with the reservations of unpaid bids held.
///
/// `run()` does the watching until cancelled; everything else is non-blocking and safe from
/// any task. Until both caches hold a complete list, `isSynced` is false and `current` is empty,
/// so nothing is promised from a partial view.
public final class Inventory: Sendable {
    /// Only pods that hold capacity: bound to a node and not finished. A pod that finishes
    /// drops out of the selector, which the watch reports as a deletion.
    public static let podFieldSelector = "spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed"

    public let configuration: InventoryConfiguration
    private let informers: SharedInformers?
    private let debounce: Duration
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let nodes = Store<Node>()
    private let pods = Store<Pod>()
    private let changes = ChangeSignal()
    private let state = Mutex(State())

    private struct State {
        /// From complete lists of nodes and pods, without reservations; nil until both synced.
        var base: InventorySnapshot?
        var reservations = Reservations()
        /// `base` with the active reservations: what readers get.
        var published: InventorySnapshot?
        var subscribers: [Int: AsyncStream<InventorySnapshot>.Continuation] = [:]
        var nextSubscriber = 0
    }

    /// - Parameters:
    ///   - client: where `run()` watches, through `informers` (the operator's shared cache) or a
    ///     cache of its own; without either, feed it through `run(nodeEvents:podEvents:)`.
    ///   - debounce: how long to let a burst of changes (a re-list, a job of many pods) settle
    ///     before recomputing; bounds the recompute rate, since each is O(nodes + pods).
    ///   - now: wall clock for reservation expiry.
    public init(
        client: KubernetesClient? = nil, informers: SharedInformers? = nil, configuration: InventoryConfiguration = InventoryConfiguration(),
        debounce: Duration = .milliseconds(50), logger: Logger = Logger(label: "ncn.inventory"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.informers = informers ?? client.map { SharedInformers(client: $0, logger: logger) }
        self.configuration = configuration
        self.debounce = debounce
        self.logger = logger
        self.now = now
    }

    // MARK: Reading

    /// The latest snapshot with active reservations held; empty until synced.
    public var current: InventorySnapshot { state.withLock { $0.published ?? .empty } }

    /// Whether `current` reflects complete lists of nodes and pods (for readiness).
    public var isSynced: Bool { state.withLock { $0.published != nil } }

    /// The current snapshot once synced, then each one that differs, for the offer publisher.
    /// A slow reader skips to the newest. Ends when the reading task is cancelled.
    public func snapshots() -> AsyncStream<InventorySnapshot> {
        let (stream, continuation) = AsyncStream.makeStream(of: InventorySnapshot.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            defer { state.nextSubscriber += 1 }
            return state.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        state.withLock { state in
            state.subscribers[id] = continuation
            if let published = state.published { continuation.yield(published) }
        }
        return stream
    }

    /// Returns once the first complete snapshot is available (or the task is cancelled).
    public func waitUntilSynced() async {
        for await _ in snapshots() { return }
    }

    // MARK: Reservations

    /// Holds the best node for `demand` under `id` (a request or lease id) until `expiresAt`,
    /// atomically with respect to other reservations; re-reserving an id replaces it. Nil when
    /// nothing fits, or before sync (nothing is promised from a partial view).
    public func reserve(id: String, demand: ResourceDemand, until expiresAt: Date) -> NodeFit? {
        let fit = state.withLock { state -> NodeFit? in
            guard let base = state.base else { return nil }
            let fit = state.reservations.reserve(id: id, demand: demand, until: expiresAt, in: base, now: now())
            if fit != nil { publish(&state) }
            return fit
        }
        // The maintenance loop sleeps until the earliest expiry; this one may be earlier.
        if fit != nil { changes.signal() }
        return fit
    }

    /// Which of `candidates` (reservation ids, weakest bid first) must be released for `demand`
    /// to fit: empty when it fits now, nil when releasing them all would not do (or before sync).
    public func displacement(for demand: ResourceDemand, releasing candidates: [String]) -> [String]? {
        state.withLock { state in
            guard let base = state.base else { return nil }
            return state.reservations.displacement(for: demand, releasing: candidates, in: base, now: now())
        }
    }

    /// Releases a reservation: its bid was paid (the pod now holds the capacity) or withdrawn.
    @discardableResult
    public func release(reservation id: String) -> Reservation? {
        state.withLock { state in
            let released = state.reservations.release(id)
            if released != nil { publish(&state) }
            return released
        }
    }

    public var reservations: Reservations { state.withLock { $0.reservations } }

    // MARK: Running

    /// Watches all nodes and the pods holding capacity in every namespace until cancelled.
    /// The watchers retry and re-list on their own; this throws only if one of them does.
    public func run() async throws {
        guard let informers else {
            preconditionFailure("an Inventory made without a client is fed with run(nodeEvents:podEvents:)")
        }
        // It keeps its own view of the shared watches: a pod's usage is compared with its last state.
        try await run(
            nodeEvents: informers.informer(Node.self).events(),
            podEvents: informers.informer(Pod.self, options: .init(fieldSelector: Self.podFieldSelector, trim: .observedPod)).events())
    }

    /// Consumes node and pod events into the caches and keeps the snapshot current, until
    /// cancelled or one sequence throws. Sequences that end just stop contributing.
    public func run<Nodes: AsyncSequence<WatcherEvent<Node>, any Error> & Sendable, Pods: AsyncSequence<WatcherEvent<Pod>, any Error> & Sendable>(
        nodeEvents: Nodes, podEvents: Pods
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await event in nodeEvents {
                    self.nodes.apply(event)
                    self.changes.signal()
                }
            }
            group.addTask {
                for try await event in podEvents where self.applyPodEvent(event) {
                    self.changes.signal()
                }
            }
            group.addTask { await self.maintain() }
            // Not waitForAll(): it would wait for the others after one failed. The first error
            // leaves the body, and the group cancels the rest.
            while try await group.next() != nil {}
        }
    }

    /// Applies a pod event; whether it may change the snapshot.
    private func applyPodEvent(_ event: WatcherEvent<Pod>) -> Bool {
        switch event {
        case .restarted:
            pods.apply(event)
            return true
        case let .applied(pod), let .deleted(pod):
            let old = ObjectKey(pod.metadata).flatMap(pods.get)
            pods.apply(event)
            if case .deleted = event { return PodUsage.changes(from: old, to: nil) }
            return PodUsage.changes(from: old, to: pod)
        }
    }

    /// Recomputes after changes (debounced) and releases reservations as they expire.
    private func maintain() async {
        while !Task.isCancelled {
            await changes.wait(timeout: untilNextExpiry())
            do {
                try await Task.sleep(for: debounce)
            } catch {
                return
            }
            refresh()
        }
    }

    private func untilNextExpiry() -> Duration? {
        guard let next = state.withLock({ $0.reservations.nextExpiry }) else { return nil }
        return .milliseconds(max(0, Int64((next.timeIntervalSince(now()) * 1000).rounded(.up))))
    }

    private func refresh() {
        // Computed outside the lock: readers and reserve() never wait for a recompute.
        let base = nodes.isSynced && pods.isSynced
            ? InventorySnapshot(nodes: nodes.all, pods: pods.all, configuration: configuration) : nil
        state.withLock { state in
            if let base { state.base = base }
            let expired = state.reservations.removeExpired(at: now())
            if !expired.isEmpty {
                logger.debug("reservations expired", metadata: ["ids": "\(expired.map(\.id))"])
            }
            publish(&state)
        }
    }

    /// Republishes `base` with the reservations if it differs from what readers have. Called
    /// under the lock, so subscribers see snapshots in order.
    private func publish(_ state: inout State) {
        guard let base = state.base else { return }
        let snapshot = base.applying(state.reservations, now: now())
        guard snapshot != state.published else { return }
        state.published = snapshot
        for subscriber in state.subscribers.values { subscriber.yield(snapshot) }
        let free = snapshot.totals.free
        logger.debug("inventory changed", metadata: [
            "nodes": "\(snapshot.nodes.count)", "free": "\(free)",
        ])
    }
}
