import ComputeAPI
import Foundation
import KubeClient
import Logging
import Metrics
import NostrBridge
import Synchronization

/// Serves container logs to tenants (draft §5.4): reads kind 25900 log requests addressed to the
/// provider from its relay pool, checks that the author is the lease's tenant, reads the lease
/// pod's log through the apiserver (`pods/log`, streaming, `limitBytes`-bounded) and publishes
/// it as numbered kind 26900 chunks encrypted to the tenant, within `LogLimits`. Runs beside the
/// market's intake on the same pool, on the leader only, until cancelled. Nothing is kept: after
/// a restart a client asks again with its `after` cursor and the pod's log is read again.
public final class LogServer: Sendable {
    public typealias Publish = @Sendable (NostrEvent) async -> Bool

    let client: KubernetesClient
    let leases: Store<ComputeLease>
    let key: SecretKey
    let limits: LogLimits
    let publish: Publish
    let now: @Sendable () -> Date
    let logger: Logger
    let readers: Mutex<LogReaders>
    let tasks = Mutex<[String: Task<Void, Never>]>([:])

    public init(client: KubernetesClient, leases: Store<ComputeLease>, key: SecretKey, limits: LogLimits = LogLimits(),
                now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "ncn.logs"), publish: @escaping Publish) {
        self.client = client
        self.leases = leases
        self.key = key
        self.limits = limits
        self.publish = publish
        self.now = now
        self.logger = logger
        readers = Mutex(LogReaders(limits: limits, now: now()))
    }

    /// Reads log requests from `pool` until cancelled; answers run as tasks of their own, all
    /// cancelled when this returns.
    public func run(pool: RelayPool) async {
        defer { tasks.withLock { $0.values.forEach { $0.cancel() } } }
        let since = Int64(now().addingTimeInterval(-limits.maximumRequestAge).timeIntervalSince1970)
        let stream: AsyncStream<RelaySubscriptionEvent>
        do {
            stream = try pool.subscribe([Filter(kinds: [ComputeKinds.logRequest], tags: ["p": [key.publicKey.hex]], since: since)])
        } catch {
            logger.error("cannot subscribe to log requests", metadata: ["error": "\(error)"])
            return
        }
        for await item in stream {
            guard case let .event(event, _) = item else { continue }
            handle(event)
        }
    }

    /// Cheap checks before any decryption: the kind, the age, and that the author rents here.
    func handle(_ event: NostrEvent) {
        let current = now()
        guard event.kind == ComputeKinds.logRequest,
              abs(current.timeIntervalSince1970 - TimeInterval(event.createdAt)) <= limits.maximumRequestAge,
              event.content.utf8.count <= 4096,
              leases.all.contains(where: { $0.spec.tenantPubkey == event.pubkey && !($0.status?.phase?.isTerminal ?? false) })
        else { return }
        let request: ComputeLogRequest
        do { request = try ComputeLogRequest.parse(event, key: key) } catch {
            logger.debug("log request unreadable", metadata: ["event": "\(event.id)", "error": "\(error)"])
            return
        }
        let lease = leases.get(ObjectKey(name: ComputeLease.name(forRequestEventId: request.requestID)))
        switch LogAuthorization.decide(request, lease: lease) {
        case let .ignore(why):
            logger.debug("log request ignored", metadata: ["event": "\(event.id)", "why": "\(why)"])
        case let .refuse(end):
            guard case .start = readers.withLock({ $0.admit(id: request.id, lease: request.requestID, now: current) }) else { return }
            start(request, lease: request.requestID) { answer in
                var answer = answer
                await self.send(answer.end(end, now: self.now()), lease: request.requestID)
            }
        case let .serve(leaseName, namespace):
            switch readers.withLock({ $0.admit(id: request.id, lease: leaseName, now: current) }) {
            case let .ignore(why):
                logger.debug("log request ignored", metadata: ["event": "\(event.id)", "why": "\(why)"])
            case let .refuse(end):
                Counter(label: "ncn_log_requests_refused_total").increment()
                start(request, lease: leaseName, admitted: false) { answer in
                    var answer = answer
                    await self.send(answer.end(end, now: self.now()), lease: leaseName)
                }
            case .start:
                logger.info("serving logs", metadata: ["lease": "\(leaseName)", "follow": "\(request.follow)"])
                start(request, lease: leaseName) { answer in
                    await self.serve(answer, request: request, lease: leaseName, namespace: namespace)
                }
            }
        }
    }

    private func start(_ request: ComputeLogRequest, lease: String, admitted: Bool = true, _ body: @escaping @Sendable (LogAnswer) async -> Void) {
        let answer = LogAnswer(request: request, limits: limits, now: now())
        let id = request.id
        let task = Task {
            await body(answer)
            if admitted { self.readers.withLock { $0.finish(id, now: self.now()) } }
            _ = self.tasks.withLock { $0.removeValue(forKey: id) }
        }
        tasks.withLock { $0[id] = task }
    }

    /// Streams the pod's log into chunks until the answer ends.
    private func serve(_ initial: LogAnswer, request: ComputeLogRequest, lease: String, namespace: String) async {
        var answer = initial
        let pod: Pod?
        do {
            let selector = LeaseLabels.workloadSelector(forLease: lease).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            pod = WorkloadObservation.workloadPod(in: try await client.list(Pod.self, namespace: namespace, labelSelector: selector).items)
        } catch {
            logger.warning("cannot list the lease's pods for its logs", metadata: ["lease": "\(lease)", "error": "\(error)"])
            await send(answer.end(.init(ComputeLogChunk.End.unavailable, "the provider cannot read the container's log right now; try again"), now: now()), lease: lease)
            return
        }
        guard let podName = pod?.metadata.name else {
            await send(answer.end(.init(ComputeLogChunk.End.starting, "the container has not been created yet; ask again in a few seconds"), now: now()),
                       lease: lease)
            return
        }
        var options = PodLogOptions(container: LeaseObjectNames.container, follow: request.follow, timestamps: true, limitBytes: limits.bytesPerAnswer)
        options.sinceTime = request.after.map(\.seconds) ?? request.since
        options.tailLines = request.tailLines
        let stream: PodLogStream
        do {
            stream = try await client.podLog(namespace: namespace, pod: podName, options: options, maximumLineLength: 16 * 1024)
        } catch let error as KubernetesError where error.statusCode == 400 {
            // "container … is waiting to start": pulling, or created and not yet started.
            await send(answer.end(.init(ComputeLogChunk.End.starting, "the container has not started yet; ask again in a few seconds"), now: now()),
                       lease: lease)
            return
        } catch {
            logger.warning("cannot read the lease's log", metadata: ["lease": "\(lease)", "error": "\(error)"])
            await send(answer.end(.init(ComputeLogChunk.End.unavailable, "the provider cannot read the container's log right now; try again"), now: now()),
                       lease: lease)
            return
        }
        let inbox = LogInbox()
        let producer = Task {
            do {
                for try await line in stream { await inbox.put(line) }
                inbox.close(failed: false)
            } catch {
                inbox.close(failed: !Task.isCancelled)
            }
        }
        defer { producer.cancel() }
        while !answer.isFinished {
            await inbox.signal.wait(timeout: .milliseconds(Int(limits.flushAfter * 1000)))
            let current = now()
            let (lines, closed, failed) = inbox.take()
            var chunks: [ComputeLogChunk] = []
            for line in lines { chunks += answer.receive(line, now: current) }
            // Stopping (no longer the leader, or shutting down): nothing more is sent, as after a
            // crash; the client hears no keepalive and asks again from its cursor.
            if Task.isCancelled { return }
            if readers.withLock({ $0.isReplaced(request.id) }) {
                chunks += answer.end(.init(ComputeLogChunk.End.replaced, "a newer log request for this lease took this one's place"), now: current)
            } else if failed {
                chunks += answer.end(.init(ComputeLogChunk.End.unavailable, "the log stream broke off; ask again with after"), now: current)
            } else if closed {
                chunks += answer.streamEnded(now: current)
            } else {
                chunks += answer.tick(now: current)
            }
            await send(chunks, lease: lease)
        }
    }

    /// Publishes chunks in order, each when the lease's and the total chunk budgets allow.
    private func send(_ chunks: [ComputeLogChunk], lease: String) async {
        for chunk in chunks {
            while !Task.isCancelled {
                let wait = readers.withLock { $0.reserveChunk(lease: lease, now: now()) }
                if wait <= 0 { break }
                try? await Task.sleep(for: .milliseconds(Int(wait * 1000) + 1))
            }
            if Task.isCancelled { return }
            do {
                let event = try chunk.sign(with: key)
                if await publish(event) { Counter(label: "ncn_log_chunks_sent_total").increment() }
            } catch {
                logger.error("cannot sign a log chunk", metadata: ["lease": "\(lease)", "error": "\(error)"])
            }
        }
    }
}

/// The lines read from the apiserver and not yet chunked: the reading task puts, the answer
/// takes. `put` waits while more than `bound` bytes wait, so a container writing faster than the
/// chunk rate is read no faster than it is sent (the kubelet keeps the rest on disk).
final class LogInbox: Sendable {
    private struct State {
        var lines: [PodLogLine] = []
        var bytes = 0
        var closed = false
        var failed = false
    }

    let signal = ChangeSignal()
    private let state = Mutex(State())
    let bound: Int

    init(bound: Int = 256 * 1024) { self.bound = bound }

    func put(_ line: PodLogLine) async {
        while state.withLock({ $0.bytes >= bound }), !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
        }
        state.withLock {
            $0.lines.append(line)
            $0.bytes += line.bytes.count
        }
        signal.signal()
    }

    func close(failed: Bool) {
        state.withLock {
            $0.closed = true
            $0.failed = failed
        }
        signal.signal()
    }

    func take() -> (lines: [PodLogLine], closed: Bool, failed: Bool) {
        state.withLock { state in
            defer {
                state.lines = []
                state.bytes = 0
            }
            return (state.lines, state.closed, state.failed)
        }
    }
}
