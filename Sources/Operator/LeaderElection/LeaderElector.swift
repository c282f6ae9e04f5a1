import Foundation
import KubeClient
import Logging
import Synchronization

/// Leader election on a coordination Lease (client-go's LeaderElector): drives a
/// `LeaderElectionStateMachine` against the apiserver and runs the leader's work only while this
/// replica leads.
///
/// ```swift
/// let elector = LeaderElector(client: client, configuration: try .init(identity: podName))
/// try await elector.run { try await controller.run() }
/// ```
public final class LeaderElector<C: Clock>: Sendable where C.Duration == Duration {
    typealias Machine = LeaderElectionStateMachine<C.Instant>

    public let configuration: LeaderElectionConfiguration
    private let leases: any LeaseAccess
    private let clock: C
    private let logger: Logger
    private let onEvent: @Sendable (LeaderElectionEvent) -> Void
    private let leading = Atomic<Bool>(false)
    private let running = Atomic<Bool>(false)
    private let leader = Mutex<String?>(nil)

    /// - Parameter onEvent: told of every transition, synchronously from the election loop; it
    ///   must not block (record an Event or a metric and return).
    public convenience init(
        client: KubernetesClient,
        configuration: LeaderElectionConfiguration,
        clock: C,
        logger: Logger = Logger(label: "ncn.leader-election"),
        onEvent: @escaping @Sendable (LeaderElectionEvent) -> Void = { _ in }
    ) {
        self.init(leases: KubernetesLeaseAccess(client: client), configuration: configuration, clock: clock, logger: logger, onEvent: onEvent)
    }

    init(
        leases: any LeaseAccess,
        configuration: LeaderElectionConfiguration,
        clock: C,
        logger: Logger = Logger(label: "ncn.leader-election"),
        onEvent: @escaping @Sendable (LeaderElectionEvent) -> Void = { _ in }
    ) {
        self.leases = leases
        self.configuration = configuration
        self.clock = clock
        var logger = logger
        logger[metadataKey: "identity"] = "\(configuration.identity)"
        logger[metadataKey: "lease"] = "\(configuration.namespace)/\(configuration.leaseName)"
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Whether this replica leads right now; false as soon as it decides to stop, before its
    /// work has wound down. Safe to read from any thread (readyz, metrics).
    public var isLeader: Bool { leading.load(ordering: .acquiring) }

    /// The holder of the Lease as last read or written; nil when vacant or not yet read.
    public var currentLeader: String? { leader.withLock { $0 } }

    /// Campaigns for the Lease until cancelled, running `whileLeading` in a child task whenever
    /// this replica leads. On losing leadership the work is cancelled at once and awaited, and
    /// the campaign goes on; `whileLeading` must therefore honour cancellation promptly (within
    /// `leaseDuration - renewDeadline`, before a successor may start).
    ///
    /// Returns when cancelled, after releasing the Lease if `releaseOnCancel`. Also ends, the
    /// same way, when `whileLeading` returns (its work is done) or throws (rethrown here).
    public func run(whileLeading work: @escaping @Sendable () async throws -> Void) async throws {
        guard running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            throw LeaderElectionError(.alreadyRunning, "run is already in progress on this elector")
        }
        defer { running.store(false, ordering: .releasing) }

        var machine = Machine(configuration: configuration)
        var actions = machine.start()
        var failure: (any Error)?
        campaign: while true {
            guard let transition = await drive(&machine, &actions) else { break }  // cancelled
            guard transition == .startedLeading else { continue }
            let term = await lead(machine, actions, work)
            machine = term.machine
            actions = term.actions
            switch term.end {
            case .lost: continue
            case .workReturned, .cancelled: break campaign
            case let .workFailed(error):
                failure = error
                break campaign
            }
        }
        await shutDown(&machine)
        if let failure { throw failure }
    }

    // MARK: Terms

    private enum TermEvent: Sendable {
        /// The renewal loop ended: leadership lost, or cancelled (nil).
        case renewalsEnded(Machine, [Machine.Action], LeadershipLoss?)
        case workEnded((any Error)?)
    }

    private enum TermEnd {
        case lost
        case workReturned
        case workFailed(any Error)
        case cancelled
    }

    /// One term of leadership: renewals and the work side by side; whichever ends first ends
    /// the term, and the other is cancelled and awaited.
    private func lead(
        _ machine: Machine, _ actions: [Machine.Action], _ work: @escaping @Sendable () async throws -> Void
    ) async -> (machine: Machine, actions: [Machine.Action], end: TermEnd) {
        leading.store(true, ordering: .releasing)
        emit(.startedLeading)
        return await withTaskGroup(of: TermEvent.self) { group in
            group.addTask {
                var machine = machine
                var actions = actions
                let transition = await self.drive(&machine, &actions)
                guard case let .stoppedLeading(loss)? = transition else { return .renewalsEnded(machine, actions, nil) }
                return .renewalsEnded(machine, actions, loss)
            }
            group.addTask {
                do {
                    try await work()
                    return .workEnded(nil)
                } catch {
                    return .workEnded(error)
                }
            }
            var renewals = (machine: machine, actions: actions)
            var end: TermEnd?
            for await event in group {
                switch event {
                case let .renewalsEnded(machine, actions, loss):
                    renewals = (machine, actions)
                    guard end == nil else { continue }
                    end = loss == nil ? .cancelled : .lost
                    // Stop first, tell afterwards: the work must not outlive the term.
                    leading.store(false, ordering: .releasing)
                    group.cancelAll()
                    if let loss { emit(.stoppedLeading(loss)) }
                case let .workEnded(error):
                    guard end == nil else { continue }
                    end = error.map { .workFailed($0) } ?? .workReturned
                    leading.store(false, ordering: .releasing)
                    group.cancelAll()
                }
            }
            // A cancelled `run` ends the campaign whatever the work said while being cancelled.
            if Task.isCancelled { end = .cancelled }
            return (renewals.machine, renewals.actions, end ?? .cancelled)
        }
    }

    /// Stops leading (telling the observer) and releases the Lease if configured to.
    private func shutDown(_ machine: inout Machine) async {
        leading.store(false, ordering: .releasing)
        var actions = machine.stop(release: configuration.releaseOnCancel, now: clock.now, wallClock: Date())
        if case let .stoppedLeading(loss)? = actions.first {
            actions.removeFirst()
            emit(.stoppedLeading(loss))
        }
        guard !actions.isEmpty else { return }
        machine = await withoutCancellation { [machine, actions] in
            var machine = machine
            var actions = actions
            _ = await self.drive(&machine, &actions)
            return machine
        }
    }

    // MARK: Driving the state machine

    /// Carries out actions until one changes the role (returned), the machine has nothing left
    /// to do, or the task is cancelled (nil for both).
    private func drive(_ machine: inout Machine, _ actions: inout [Machine.Action]) async -> Machine.Action? {
        while !actions.isEmpty {
            let action = actions.removeFirst()
            switch action {
            case .startedLeading, .stoppedLeading:
                return action
            case let .wait(duration):
                if duration > .zero {
                    do { try await clock.sleep(for: duration) } catch { return nil }
                }
                guard !Task.isCancelled else { return nil }
                let (leases, namespace, name) = (leases, configuration.namespace, configuration.leaseName)
                let result = await call(within: machine) { try await leases.get(namespace: namespace, name: name) }
                guard !Task.isCancelled else { return nil }
                switch result {
                case let .success(lease):
                    actions += machine.observed(lease, now: clock.now, wallClock: Date())
                case let .failure(error):
                    logger.warning("reading the lease failed", metadata: ["error": "\(error)"])
                    actions += machine.readFailed(now: clock.now)
                }
            case let .create(spec):
                let leases = leases
                let lease = Lease(metadata: ObjectMeta(name: configuration.leaseName, namespace: configuration.namespace), spec: spec)
                let result = await call(within: machine) { try await leases.create(lease) }
                guard !Task.isCancelled else { return nil }
                actions += written(result, &machine)
            case let .update(lease):
                let leases = leases
                let result = await call(within: machine) { try await leases.replace(lease) }
                guard !Task.isCancelled else { return nil }
                actions += written(result, &machine)
            }
            noteLeader(machine.holderIdentity)
        }
        return nil
    }

    private func written(_ result: Result<Lease, any Error>, _ machine: inout Machine) -> [Machine.Action] {
        switch result {
        case let .success(lease):
            return machine.writeSucceeded(lease, now: clock.now)
        case let .failure(error):
            let conflict = leases.isConflict(error)
            if conflict {
                logger.debug("the lease changed under us; reading it again", metadata: ["error": "\(error)"])
            } else {
                logger.warning("writing the lease failed", metadata: ["error": "\(error)"])
            }
            return machine.writeFailed(conflict ? .conflict : .other, now: clock.now)
        }
    }

    /// Runs one apiserver call, abandoned at the leadership deadline (or after `renewDeadline`
    /// when not leading) so that a hung request cannot keep a stale leader acting.
    private func call<T: Sendable>(within machine: Machine, _ operation: @escaping @Sendable () async throws -> T) async -> Result<T, any Error> {
        let deadline = machine.leadershipDeadline ?? clock.now.advanced(by: configuration.renewDeadline)
        return await withTaskGroup(of: Result<T, any Error>?.self) { group in
            group.addTask {
                do {
                    return .success(try await operation())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                do { try await self.clock.sleep(until: deadline, tolerance: nil) } catch { return nil }
                return .failure(LeaderElectionError(.timedOut, "the apiserver did not answer before the deadline"))
            }
            var outcome: Result<T, any Error> = .failure(CancellationError())
            for await result in group {
                guard let result else { continue }
                outcome = result
                group.cancelAll()
                break
            }
            return outcome
        }
    }

    /// Runs `operation` to completion even though our task may have been cancelled: releasing
    /// the Lease happens *because* `run` was cancelled, and a cancelled task's HTTP requests are
    /// aborted before they are sent. Swift 6.3 has no cancellation shield (SE-0504), so this is
    /// the one detached task here; it is awaited at once and bounded by `call`'s deadlines.
    private func withoutCancellation<T: Sendable>(_ operation: @escaping @Sendable () async -> T) async -> T {
        await Task.detached(operation: operation).value
    }

    // MARK: Telling others

    private func noteLeader(_ holder: String?) {
        let changed = leader.withLock { current -> Bool in
            guard current != holder else { return false }
            current = holder
            return true
        }
        if changed { emit(.leaderChanged(holder)) }
    }

    private func emit(_ event: LeaderElectionEvent) {
        switch event {
        case .startedLeading:
            logger.info("started leading")
        case let .stoppedLeading(loss):
            logger.info("stopped leading", metadata: ["reason": "\(loss)"])
        case let .leaderChanged(holder):
            logger.info("the lease holder changed", metadata: ["holder": "\(holder ?? "<none>")"])
        }
        onEvent(event)
    }
}

extension LeaderElector where C == ContinuousClock {
    public convenience init(
        client: KubernetesClient,
        configuration: LeaderElectionConfiguration,
        logger: Logger = Logger(label: "ncn.leader-election"),
        onEvent: @escaping @Sendable (LeaderElectionEvent) -> Void = { _ in }
    ) {
        self.init(client: client, configuration: configuration, clock: ContinuousClock(), logger: logger, onEvent: onEvent)
    }
}
