import Logging
import Metrics
import Synchronization

/// One watch event as an informer passes it on: already applied to the informer's store, with
/// the keys whose objects it changed (for a work queue).
public struct InformerUpdate<R: KubernetesResource>: Sendable {
    public var event: WatcherEvent<R>
    public var changed: [ObjectKey]

    public init(event: WatcherEvent<R>, changed: [ObjectKey]) {
        self.event = event
        self.changed = changed
    }
}

/// One watch of one kind and selector, shared by every controller that needs it: the single
/// writer of a `Store` that everyone reads, and a broadcast of each change to its subscribers
/// (kube-runtime's shared reflector, controller-runtime's informer).
///
/// The watch runs while anyone is subscribed. Controllers run only while this replica leads and
/// stop together when it no longer does; the last subscriber to leave stops the watch and empties
/// the store, so a new term starts from a fresh list rather than from what went stale meanwhile.
/// A subscriber that joins a synced informer first gets the whole store as one `.restarted`.
public final class Informer<R: KubernetesResource>: Sendable {
    public let store = Store<R>()
    public let options: Watcher<R>.Options
    private let client: KubernetesClient?
    private let logger: Logger

    private struct Subscriber {
        let deliver: @Sendable (InformerUpdate<R>) -> Void
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 0
        /// Bumped whenever the watch stops, so a stopping watch's last event cannot land in the next term's store.
        var generation = 0
        var task: Task<Void, Never>?
    }

    private let state = Mutex(State())

    init(client: KubernetesClient, options: Watcher<R>.Options, logger: Logger) {
        self.client = client
        self.options = options
        self.logger = logger
    }

    /// An informer fed by hand with `feed(_:)`: the seam for unit tests of its subscribers.
    public init(options: Watcher<R>.Options = .init(), logger: Logger = Logger(label: "ncn.informer")) {
        self.client = nil
        self.options = options
        self.logger = logger
    }

    /// Every change from now on (after the whole store, if it is synced), until the subscriber
    /// stops iterating. Throws only if the watch itself does.
    public func updates() -> AsyncThrowingStream<InformerUpdate<R>, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: InformerUpdate<R>.self)
        subscribe(continuation) { continuation.yield($0) }
        return stream
    }

    /// The same as `updates()`, as plain watch events, for consumers that keep their own view.
    public func events() -> AsyncThrowingStream<WatcherEvent<R>, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: WatcherEvent<R>.self)
        subscribe(continuation) { continuation.yield($0.event) }
        return stream
    }

    /// Applies an event as if the watch had delivered it (an informer made without a client).
    public func feed(_ event: WatcherEvent<R>) {
        state.withLock { state in publish(event, to: state.subscribers.values) }
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// True while the watch runs.
    public var isWatching: Bool { state.withLock { $0.task != nil } }

    private func subscribe<T>(_ continuation: AsyncThrowingStream<T, any Error>.Continuation, deliver: @escaping @Sendable (InformerUpdate<R>) -> Void) {
        let id = state.withLock { state -> Int in
            let id = state.nextID
            state.nextID += 1
            // Under the lock that also guards delivery, so the snapshot and the next event cannot cross.
            if store.isSynced { deliver(InformerUpdate(event: .restarted(store.all), changed: store.keys)) }
            state.subscribers[id] = Subscriber(deliver: deliver, finish: { continuation.finish(throwing: $0) })
            if state.task == nil, let client {
                let generation = state.generation
                state.task = Task { await self.watch(client, generation: generation) }
            }
            return id
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
    }

    private func unsubscribe(_ id: Int) {
        state.withLock { state in
            guard state.subscribers.removeValue(forKey: id) != nil, state.subscribers.isEmpty, client != nil else { return }
            state.task?.cancel()
            state.task = nil
            state.generation += 1
            store.reset()
        }
    }

    private func publish(_ event: WatcherEvent<R>, to subscribers: some Sequence<Subscriber>) {
        let event = options.trim?(event) ?? event
        let changed = store.apply(event)
        let update = InformerUpdate(event: event, changed: changed)
        for subscriber in subscribers { subscriber.deliver(update) }
    }

    private func watch(_ client: KubernetesClient, generation: Int) async {
        let plural = R.descriptor.plural
        let logger = self.logger
        let observer = Watcher<R>.Observer(
            relisted: { count in logger.debug("listed", metadata: ["resource": "\(plural)", "count": "\(count)"]) },
            failed: { error in
                Counter(label: "ncn_watch_restarts_total", dimensions: [("resource", plural)]).increment()
                logger.warning("watch interrupted; resuming", metadata: ["resource": "\(plural)", "error": "\(error)"])
            })
        do {
            for try await event in client.watcher(R.self, options: options, observer: observer) {
                let current = state.withLock { state -> Bool in
                    guard state.generation == generation else { return false }
                    publish(event, to: state.subscribers.values)
                    return true
                }
                if !current { return }
            }
        } catch {
            // The watcher retries by itself; a throw is the end of it. Subscribers see the error.
            let finished = state.withLock { state -> [Subscriber] in
                guard state.generation == generation else { return [] }
                let all = Array(state.subscribers.values)
                state.subscribers = [:]
                state.task = nil
                state.generation += 1
                store.reset()
                return all
            }
            // Outside the lock: finishing a stream runs its onTermination, which takes the lock.
            for subscriber in finished { subscriber.finish(error) }
        }
    }
}

/// The operator's informer cache: at most one `Informer` per kind and selector, handed to
/// every controller that asks, so each kind is watched once however many controllers read it.
public final class SharedInformers: Sendable {
    private let client: KubernetesClient
    private let logger: Logger
    private let informers = Mutex<[String: any Sendable]>([:])

    public init(client: KubernetesClient, logger: Logger = Logger(label: "ncn.informers")) {
        self.client = client
        self.logger = logger
    }

    /// The informer for `R` with these options, made on first use.
    public func informer<R: KubernetesResource>(_: R.Type = R.self, options: Watcher<R>.Options = .init()) -> Informer<R> {
        let key = Self.key(R.self, options)
        return informers.withLock { informers in
            if let existing = informers[key] as? Informer<R> { return existing }
            let made = Informer<R>(client: client, options: options, logger: logger)
            informers[key] = made
            return made
        }
    }

    /// The informers made so far: one watch each while the controllers run.
    public var keys: [String] { informers.withLock { Array($0.keys).sorted() } }

    static func key<R: KubernetesResource>(_: R.Type, _ options: Watcher<R>.Options) -> String {
        let descriptor = R.descriptor
        let group = descriptor.group.isEmpty ? "core" : descriptor.group
        // The Swift type too: a metadata-only informer of a kind is not the full one.
        return "\(R.self) \(group)/\(descriptor.version)/\(descriptor.plural)"
            + " namespace=\(options.namespace ?? "*") labels=\(options.labelSelector ?? "") fields=\(options.fieldSelector ?? "")"
            + (options.trim.map { " trim=\($0.name)" } ?? "")
    }
}
