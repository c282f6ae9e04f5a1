import Foundation
import KubeClient

/// Leader election over a coordination Lease with client-go's semantics, and no IO: it is told
/// what was read or written and when, and answers with what to do next. `LeaderElector` carries
/// the actions out against the apiserver; tests drive it with a manual clock.
///
/// Time comes in twice: `now` on the caller's monotonic clock decides everything; the wall clock
/// is only written into the Lease for humans. The remote `renewTime` is never compared with our
/// clock, so skew between replicas cannot make a live leader look expired. Instead a follower
/// notes *when it first saw* each version of the Lease and takes over once the Lease has stayed
/// the same for the holder's lease duration, measured locally.
///
/// Safety: a leader counts a renewal from the moment it *sent* it, and stops `renewDeadline`
/// later unless another one succeeded. Any follower saw that write no earlier than it was sent,
/// so it waits at least `leaseDuration > renewDeadline` past the leader's stopping point.
public struct LeaderElectionStateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public enum Action: Sendable, Equatable {
        /// Create the Lease with this spec (it was absent); report with `writeSucceeded`/`writeFailed`.
        case create(Lease.Spec)
        /// Replace the Lease: the observed object with a new spec, whose `metadata.resourceVersion`
        /// makes the write a compare-and-swap. Report with `writeSucceeded`/`writeFailed`.
        case update(Lease)
        /// Sleep this long, then read the Lease and report with `observed` (or `readFailed`).
        case wait(Duration)
        /// Start the leader's work.
        case startedLeading
        /// Cancel the leader's work at once.
        case stoppedLeading(LeadershipLoss)
    }

    public enum WriteFailure: Sendable, Hashable {
        /// 409, or 404 on replace: the Lease changed under us; read it again at once.
        case conflict
        /// Anything else (timeouts, 5xx, 403): try again after `retryPeriod`.
        case other
    }

    private enum Phase: Sendable {
        case following
        case leading
        /// Clearing our holderIdentity on the way out; one more try is allowed after a conflict.
        case releasing(retries: Int)
        /// Done: every input is ignored.
        case stopped
    }

    /// The Lease as last read or written, and the local time its content last changed.
    private struct Observation: Sendable {
        var lease: Lease
        var since: Instant
    }

    public let configuration: LeaderElectionConfiguration
    private var phase: Phase = .following
    private var observation: Observation?
    /// When the write behind our current term was sent.
    private var renewedAt: Instant?
    /// When the write in flight was sent.
    private var writeSentAt: Instant?
    /// A conflict is re-read at once, but not twice in a row, so two writers racing cannot spin.
    private var lastWriteConflicted = false

    public init(configuration: LeaderElectionConfiguration) {
        self.configuration = configuration
    }

    // MARK: Queries

    public var isLeading: Bool {
        if case .leading = phase { return true }
        return false
    }

    /// True once `stop` has finished (or needs no write): the driver may return.
    public var isStopped: Bool {
        if case .stopped = phase { return true }
        return false
    }

    /// While leading: the moment leadership ends unless a renewal succeeds first. The driver
    /// bounds its calls by it, so a hung request cannot keep a stale leader acting.
    public var leadershipDeadline: Instant? {
        guard isLeading, let renewedAt else { return nil }
        return renewedAt.advanced(by: configuration.renewDeadline)
    }

    /// The holder in the Lease as last read or written; nil when it is vacant or unknown.
    public var holderIdentity: String? {
        observation.flatMap { Self.holder(of: $0.lease) }
    }

    // MARK: Inputs

    /// The first thing to do: read the Lease.
    public func start() -> [Action] { [.wait(.zero)] }

    /// The Lease was read (nil: it does not exist).
    public mutating func observed(_ lease: Lease?, now: Instant, wallClock: Date) -> [Action] {
        switch phase {
        case .stopped: return []
        case .releasing: return releaseObserved(lease, wallClock: wallClock)
        case .following, .leading: break
        }
        var actions = stopIfOverdue(now: now)
        guard let lease else {
            observation = nil
            if isLeading { actions.append(stop(.leaseVacated)) }
            writeSentAt = now
            actions.append(.create(record(acquiredAt: MicroTime.format(wallClock), wallClock: wallClock, transitions: 0)))
            return actions
        }
        note(lease, now: now)
        let spec = lease.spec ?? Lease.Spec()
        switch Self.holder(of: lease) {
        case configuration.identity?:
            // Ours: renew, keeping the term's acquireTime. This is also how a replica restarted
            // under the same identity resumes leading without waiting out its own lease.
            actions.append(write(lease, record(acquiredAt: spec.acquireTime ?? MicroTime.format(wallClock),
                                               wallClock: wallClock, transitions: spec.leaseTransitions ?? 0), now: now))
        case nil:
            // Released or never held: free for the taking.
            if isLeading { actions.append(stop(.leaseVacated)) }
            actions.append(takeOver(lease, now: now, wallClock: wallClock))
        case let other?:
            if isLeading { actions.append(stop(.takenOver(by: other))) }
            let expiry = observation!.since.advanced(by: Self.duration(of: spec) ?? configuration.leaseDuration)
            if now >= expiry {
                actions.append(takeOver(lease, now: now, wallClock: wallClock))
            } else {
                // Look again no later than the moment it would expire, so a dead holder is replaced promptly.
                actions.append(.wait(min(configuration.retryPeriod, now.duration(to: expiry))))
            }
        }
        return actions
    }

    /// Reading the Lease failed (or timed out).
    public mutating func readFailed(now: Instant) -> [Action] {
        switch phase {
        case .stopped: return []
        case .releasing:
            phase = .stopped
            return []
        case .following, .leading:
            return stopIfOverdue(now: now) + [.wait(retryWait(now: now))]
        }
    }

    /// Our create or update succeeded; `lease` is what the apiserver returned.
    public mutating func writeSucceeded(_ lease: Lease, now: Instant) -> [Action] {
        switch phase {
        case .stopped: return []
        case .releasing:
            phase = .stopped
            observation = Observation(lease: lease, since: now)
            return []
        case .following, .leading: break
        }
        lastWriteConflicted = false
        note(lease, now: now)
        guard let sentAt = writeSentAt else { return stopIfOverdue(now: now) + [.wait(retryWait(now: now))] }
        writeSentAt = nil
        guard now < sentAt.advanced(by: configuration.renewDeadline) else {
            // It took so long that the term it would start is already over. The Lease is ours, so
            // the next round renews it with a fresh deadline.
            return stopIfOverdue(now: now) + [.wait(.zero)]
        }
        renewedAt = sentAt
        var actions: [Action] = []
        if !isLeading {
            phase = .leading
            actions.append(.startedLeading)
        }
        actions.append(.wait(configuration.retryPeriod))
        return actions
    }

    /// Our create or update failed (or timed out).
    public mutating func writeFailed(_ failure: WriteFailure, now: Instant) -> [Action] {
        switch phase {
        case .stopped: return []
        case let .releasing(retries):
            guard failure == .conflict, retries > 0 else {
                phase = .stopped
                return []
            }
            phase = .releasing(retries: retries - 1)
            return [.wait(.zero)]
        case .following, .leading: break
        }
        writeSentAt = nil
        var actions = stopIfOverdue(now: now)
        if failure == .conflict, !lastWriteConflicted {
            lastWriteConflicted = true
            actions.append(.wait(.zero))
        } else {
            lastWriteConflicted = failure == .conflict
            actions.append(.wait(retryWait(now: now)))
        }
        return actions
    }

    /// `run` is ending. Stops leading and, when `release` is set and the Lease names us, clears
    /// its holder so a successor need not wait out `leaseDuration`. The release is one update
    /// (plus a re-read and retry after a conflict); failures are left to expire.
    public mutating func stop(release: Bool, now: Instant, wallClock: Date) -> [Action] {
        switch phase {
        case .stopped, .releasing: return []
        case .following, .leading: break
        }
        var actions: [Action] = isLeading ? [.stoppedLeading(.shutdown)] : []
        writeSentAt = nil
        if release, let lease = observation?.lease, Self.holder(of: lease) == configuration.identity {
            phase = .releasing(retries: 1)
            actions.append(.update(released(lease, wallClock: wallClock)))
        } else {
            phase = .stopped
        }
        return actions
    }

    // MARK: Helpers

    private mutating func releaseObserved(_ lease: Lease?, wallClock: Date) -> [Action] {
        guard let lease, Self.holder(of: lease) == configuration.identity else {
            // Gone or someone else's by now: nothing of ours to release.
            phase = .stopped
            return []
        }
        return [.update(released(lease, wallClock: wallClock))]
    }

    /// Records a read or written Lease; the observation clock restarts whenever it changed.
    /// Any write counts (resourceVersion, not just the spec): a holder whose wall clock is stuck
    /// would otherwise renew with identical specs and look dead while it is alive.
    private mutating func note(_ lease: Lease, now: Instant) {
        if let previous = observation, previous.lease.spec == lease.spec,
           previous.lease.metadata.resourceVersion == lease.metadata.resourceVersion {
            observation?.lease = lease
            return
        }
        observation = Observation(lease: lease, since: now)
    }

    private mutating func stopIfOverdue(now: Instant) -> [Action] {
        guard let deadline = leadershipDeadline, now >= deadline else { return [] }
        return [stop(.renewDeadlineExceeded)]
    }

    private mutating func stop(_ loss: LeadershipLoss) -> Action {
        phase = .following
        renewedAt = nil
        return .stoppedLeading(loss)
    }

    private mutating func takeOver(_ lease: Lease, now: Instant, wallClock: Date) -> Action {
        let transitions = (lease.spec?.leaseTransitions ?? 0) + 1
        return write(lease, record(acquiredAt: MicroTime.format(wallClock), wallClock: wallClock, transitions: transitions), now: now)
    }

    private mutating func write(_ lease: Lease, _ spec: Lease.Spec, now: Instant) -> Action {
        writeSentAt = now
        var updated = lease
        updated.spec = spec
        return .update(updated)
    }

    private func record(acquiredAt: String, wallClock: Date, transitions: Int) -> Lease.Spec {
        Lease.Spec(holderIdentity: configuration.identity, leaseDurationSeconds: configuration.leaseDurationSeconds,
                   acquireTime: acquiredAt, renewTime: MicroTime.format(wallClock), leaseTransitions: transitions)
    }

    /// client-go's release: no holder, a one-second duration for electors that would still wait on it.
    private func released(_ lease: Lease, wallClock: Date) -> Lease {
        var released = lease
        let now = MicroTime.format(wallClock)
        released.spec = Lease.Spec(holderIdentity: nil, leaseDurationSeconds: 1, acquireTime: now, renewTime: now,
                                   leaseTransitions: lease.spec?.leaseTransitions ?? 0)
        return released
    }

    /// How long to wait before trying again; a leader never sleeps past its deadline, so it
    /// notices the end of its term on time even when nothing else happens.
    private func retryWait(now: Instant) -> Duration {
        guard let deadline = leadershipDeadline else { return configuration.retryPeriod }
        return max(.zero, min(configuration.retryPeriod, now.duration(to: deadline)))
    }

    private static func holder(of lease: Lease) -> String? {
        guard let holder = lease.spec?.holderIdentity, !holder.isEmpty else { return nil }
        return holder
    }

    /// The holder's own lease duration: it chose its renewDeadline to fit it.
    private static func duration(of spec: Lease.Spec) -> Duration? {
        guard let seconds = spec.leaseDurationSeconds, seconds > 0 else { return nil }
        return .seconds(seconds)
    }
}
