import Foundation
import KubeClient
import Logging
import Metrics
import Synchronization

/// Keeps the operator's RoleBinding in every lease namespace (see `NamespaceGrant`): created when
/// the operator creates the namespace, put back if deleted or edited by hand, checked again
/// every `resync`. Every step is idempotent, so two stewards, or one restarted, do no harm.
public final class NamespaceSteward: Sendable {
    public struct Options: Sendable {
        public var grant = NamespaceGrant()
        /// How often every lease namespace's binding is checked even without an event.
        public var resync: Duration = .seconds(60)
        /// How soon a failed grant is tried again.
        public var retry: Duration = .seconds(1)
        public init() {}
    }

    private let client: KubernetesClient?
    private let options: Options
    private let logger: Logger
    private let namespaces = Store<Namespace>()
    private let pending = ChangeSignal()
    private let state = Mutex(State())

    private struct State {
        var dirty: Set<String> = []
    }

    public init(client: KubernetesClient?, options: Options = Options(), logger: Logger) {
        self.client = client
        self.options = options
        self.logger = logger
    }

    /// True once the first list of namespaces has been handled.
    public var isSynced: Bool { namespaces.isSynced }

    /// Watches lease namespaces and grants until cancelled.
    public func run() async throws {
        guard let client else { preconditionFailure("a NamespaceSteward made without a client is fed with run(namespaceEvents:)") }
        let logger = self.logger
        try await run(namespaceEvents: client.watcher(
            Namespace.self, options: .init(labelSelector: LeaseLabels.lease),
            observer: .init(failed: { logger.warning("watching namespaces failed; retrying", metadata: ["error": "\($0)"]) })))
    }

    /// The seam for tests: namespace events in, grants out through the client.
    public func run<Events: AsyncSequence<WatcherEvent<Namespace>, any Error> & Sendable>(namespaceEvents: Events) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await event in namespaceEvents {
                    let keys = self.namespaces.apply(event)
                    self.state.withLock { $0.dirty.formUnion(keys.map(\.name)) }
                    self.pending.signal()
                }
            }
            group.addTask { try await self.grantLoop() }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: self.options.resync)
                    let all = self.namespaces.keys.map(\.name)
                    self.state.withLock { $0.dirty.formUnion(all) }
                    self.pending.signal()
                }
            }
            while try await group.next() != nil {}
        }
    }

    private func grantLoop() async throws {
        while !Task.isCancelled {
            await pending.wait(timeout: nil)
            let names = state.withLock { state in
                defer { state.dirty.removeAll() }
                return state.dirty
            }
            var failed: Set<String> = []
            for name in names.sorted() {
                guard let namespace = namespaces.get(ObjectKey(name: name)),
                      let wanted = options.grant.binding(for: namespace) else { continue }
                do {
                    try await ensure(wanted)
                } catch {
                    logger.warning("cannot grant the operator its lease namespace; retrying",
                                   metadata: ["namespace": "\(name)", "error": "\(error)"])
                    failed.insert(name)
                }
            }
            if !failed.isEmpty {
                try await Task.sleep(for: options.retry)
                state.withLock { $0.dirty.formUnion(failed) }
                pending.signal()
            }
        }
    }

    private func ensure(_ wanted: RoleBinding) async throws {
        guard let client else { return }
        let namespace = wanted.metadata.namespace ?? ""
        do {
            let existing = try await client.get(RoleBinding.self, name: NamespaceGrant.bindingName, namespace: namespace)
            if NamespaceGrant.matches(existing, wanted) { return }
            // roleRef is immutable: an edited binding is replaced, never patched.
            logger.notice("replacing an edited operator binding", metadata: ["namespace": "\(namespace)"])
            try await client.delete(RoleBinding.self, name: NamespaceGrant.bindingName, namespace: namespace, preconditionUID: existing.metadata.uid)
        } catch let error as KubernetesError where error.isNotFound {}
        do {
            _ = try await client.create(wanted)
            Counter(label: "ncn_steward_grants_total").increment()
            logger.info("granted the operator its lease namespace", metadata: ["namespace": "\(namespace)"])
        } catch let error as KubernetesError where error.statusCode == 409 {}
    }
}
