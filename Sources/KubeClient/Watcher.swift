import AsyncHTTPClient
import Logging
import NIOCore

/// A list-then-watch stream of one kind of object, as an `AsyncSequence` of `WatcherEvent`s.
/// It never ends on its own: server timeouts re-watch, transport errors back off and retry,
/// and a `410 Gone` re-lists. Iteration ends (returns nil) when the consuming task is cancelled.
public struct Watcher<R: KubernetesResource>: AsyncSequence, Sendable {
    public typealias Element = WatcherEvent<R>

    public struct Options: Sendable {
        public var namespace: String?
        public var labelSelector: String?
        public var fieldSelector: String?
        /// The apiserver ends each watch after this long; we then resume from the last version.
        public var timeoutSeconds: Int = 290
        public var pageSize: Int = 500
        public var backoff: Duration = .milliseconds(500)
        public var maximumBackoff: Duration = .seconds(30)
        /// What an informer keeps of each object; nil keeps all of it. The watcher itself ignores it.
        public var trim: CacheTrim<R>?

        public init(namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil, trim: CacheTrim<R>? = nil) {
            self.namespace = namespace
            self.labelSelector = labelSelector
            self.fieldSelector = fieldSelector
            self.trim = trim
        }
    }

    /// Told about every (re)list and every failure, for metrics and logs.
    public struct Observer: Sendable {
        public var relisted: @Sendable (_ count: Int) -> Void = { _ in }
        public var failed: @Sendable (_ error: any Error) -> Void = { _ in }
        public init(relisted: @escaping @Sendable (Int) -> Void = { _ in }, failed: @escaping @Sendable (any Error) -> Void = { _ in }) {
            self.relisted = relisted
            self.failed = failed
        }
    }

    let client: KubernetesClient
    let options: Options
    let observer: Observer

    public init(client: KubernetesClient, options: Options = Options(), observer: Observer = Observer()) {
        self.client = client
        self.options = options
        self.observer = observer
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, options: options, observer: observer)
    }

    func makeAsyncIterator(resumingAt resourceVersion: String) -> Iterator {
        var iterator = Iterator(client: client, options: options, observer: observer)
        iterator.machine = WatcherStateMachine(
            resumingAt: resourceVersion, backoff: Backoff(initial: options.backoff, maximum: options.maximumBackoff))
        return iterator
    }

    public struct Iterator: AsyncIteratorProtocol {
        let client: KubernetesClient
        let options: Options
        let observer: Observer
        var machine: WatcherStateMachine
        var pages: [R] = []
        var body: HTTPClientResponse.Body.AsyncIterator?
        var splitter = LineSplitter()
        var lines: [[UInt8]] = []
        var pendingAction: WatcherStateMachine.Action?

        init(client: KubernetesClient, options: Options, observer: Observer) {
            self.client = client
            self.options = options
            self.observer = observer
            self.machine = WatcherStateMachine(backoff: Backoff(initial: options.backoff, maximum: options.maximumBackoff))
        }

        public mutating func next() async throws -> WatcherEvent<R>? {
            while !Task.isCancelled {
                if !lines.isEmpty {
                    if let event = handle(line: lines.removeFirst()) { return event }
                    continue
                }
                if body != nil {
                    await readChunk()
                    continue
                }
                let action = pendingAction ?? machine.nextAction
                pendingAction = nil
                do {
                    if let event = try await perform(action) { return event }
                } catch is CancellationError {
                    return nil
                } catch {
                    observer.failed(error)
                    pendingAction = machine.failed(gone: (error as? KubernetesError)?.isGone ?? false)
                }
            }
            return nil
        }

        private mutating func perform(_ action: WatcherStateMachine.Action) async throws -> WatcherEvent<R>? {
            switch action {
            case let .list(token):
                if token == nil { pages.removeAll() }
                let page = try await client.list(
                    R.self, namespace: options.namespace, labelSelector: options.labelSelector,
                    fieldSelector: options.fieldSelector, limit: options.pageSize, continueToken: token)
                pages.append(contentsOf: page.items)
                guard machine.listPageReceived(resourceVersion: page.metadata.resourceVersion, continueToken: page.metadata.continue) else {
                    return nil
                }
                let all = pages
                pages.removeAll()
                observer.relisted(all.count)
                return .restarted(all)
            case let .watch(rv):
                body = try await client.openWatch(
                    R.descriptor.path(namespace: options.namespace), resourceVersion: rv,
                    labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
                    timeoutSeconds: options.timeoutSeconds)
                splitter = LineSplitter()
                return nil
            case let .backoff(delay, then):
                try await Task.sleep(for: delay)
                switch then {
                case .list: pendingAction = .list(continueToken: nil)
                case let .watch(rv): pendingAction = .watch(resourceVersion: rv)
                }
                return nil
            }
        }

        private mutating func readChunk() async {
            do {
                if let chunk = try await body?.next() {
                    lines.append(contentsOf: try splitter.append(chunk.readableBytesView))
                } else {
                    body = nil
                    if let last = splitter.finish() { lines.append(last) }
                    pendingAction = machine.watchEnded()
                }
            } catch {
                body = nil
                if !(error is CancellationError) { observer.failed(error) }
                pendingAction = machine.failed(gone: false)
            }
        }

        private mutating func handle(line: [UInt8]) -> WatcherEvent<R>? {
            let frame: WatchFrame<R>
            do {
                frame = try WatchFrame<R>.decode(line)
            } catch {
                // One undecodable object must not stop the stream; the next re-list repairs the view.
                observer.failed(error)
                return nil
            }
            switch frame {
            case let .added(object), let .modified(object):
                machine.progressed(to: object.metadata.resourceVersion)
                return .applied(object)
            case let .deleted(object):
                machine.progressed(to: object.metadata.resourceVersion)
                return .deleted(object)
            case let .bookmark(rv):
                machine.progressed(to: rv)
                return nil
            case let .error(status):
                let error = KubernetesError(statusCode: status.code ?? 500, status: status, method: "WATCH", path: R.descriptor.path(namespace: options.namespace))
                observer.failed(error)
                body = nil
                lines.removeAll()
                pendingAction = machine.failed(gone: error.isGone)
                return nil
            }
        }
    }
}

extension KubernetesClient {
    public func watcher<R: KubernetesResource>(_: R.Type = R.self, options: Watcher<R>.Options = .init(), observer: Watcher<R>.Observer = .init()) -> Watcher<R> {
        Watcher(client: self, options: options, observer: observer)
    }
}
