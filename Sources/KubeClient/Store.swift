import Synchronization

/// Identifies an object within its kind.
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    public var namespace: String?
    public var name: String

    public init(namespace: String? = nil, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public init?(_ meta: ObjectMeta) {
        guard let name = meta.name else { return nil }
        self.init(namespace: meta.namespace, name: name)
    }

    public var description: String { namespace.map { "\($0)/\(name)" } ?? name }
}

/// The informer cache: the latest state of every watched object, fed by a `Watcher`.
/// Readers never block on the network; `isSynced` turns true after the first complete list,
/// which is what readiness probes should wait for.
public final class Store<R: KubernetesResource>: Sendable {
    private struct State {
        var objects: [ObjectKey: R] = [:]
        /// Keys per namespace, so a controller reading one namespace's objects does not copy
        /// every object of the kind on each reconcile.
        var byNamespace: [String: Set<ObjectKey>] = [:]
        var synced = false

        mutating func set(_ key: ObjectKey, _ object: R?) {
            objects[key] = object
            guard let namespace = key.namespace else { return }
            if object != nil {
                byNamespace[namespace, default: []].insert(key)
            } else {
                byNamespace[namespace]?.remove(key)
                if byNamespace[namespace]?.isEmpty == true { byNamespace[namespace] = nil }
            }
        }
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    public var isSynced: Bool { state.withLock { $0.synced } }

    public func get(_ key: ObjectKey) -> R? { state.withLock { $0.objects[key] } }

    public var all: [R] { state.withLock { Array($0.objects.values) } }

    public var keys: [ObjectKey] { state.withLock { Array($0.objects.keys) } }

    /// The objects in one namespace.
    public func list(namespace: String) -> [R] {
        state.withLock { state in (state.byNamespace[namespace] ?? []).compactMap { state.objects[$0] } }
    }

    /// Applies one watcher event and returns the keys whose state changed (for a work queue).
    @discardableResult
    public func apply(_ event: WatcherEvent<R>) -> [ObjectKey] {
        let (changed, wake): ([ObjectKey], [CheckedContinuation<Void, Never>]) = state.withLock { state in
            switch event {
            case let .restarted(objects):
                var fresh: [ObjectKey: R] = [:]
                for object in objects { if let key = ObjectKey(object.metadata) { fresh[key] = object } }
                // Changed: new, gone, or at another resourceVersion. A re-list after a lost watch
                // then wakes only what moved, not every object of the kind.
                var changed = state.objects.keys.filter { fresh[$0] == nil }
                for (key, object) in fresh where state.objects[key]?.metadata.resourceVersion != object.metadata.resourceVersion
                    || object.metadata.resourceVersion == nil {
                    changed.append(key)
                }
                state.objects = [:]
                state.byNamespace = [:]
                for (key, object) in fresh { state.set(key, object) }
                state.synced = true
                let waiters = state.waiters
                state.waiters.removeAll()
                return (changed, waiters)
            case let .applied(object):
                guard let key = ObjectKey(object.metadata) else { return ([], []) }
                state.set(key, object)
                return ([key], [])
            case let .deleted(object):
                guard let key = ObjectKey(object.metadata) else { return ([], []) }
                state.set(key, nil)
                return ([key], [])
            }
        }
        for waiter in wake { waiter.resume() }
        return changed
    }

    /// Forgets everything and waits for a new complete list: the watch feeding it stopped, and
    /// what it holds would go stale unseen.
    public func reset() {
        state.withLock { state in
            state.objects = [:]
            state.byNamespace = [:]
            state.synced = false
        }
    }

    /// Returns once the first complete list has been applied.
    public func waitUntilSynced() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadySynced = state.withLock { state -> Bool in
                if state.synced { return true }
                state.waiters.append(continuation)
                return false
            }
            if alreadySynced { continuation.resume() }
        }
    }
}
