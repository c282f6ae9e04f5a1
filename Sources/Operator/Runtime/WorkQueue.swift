import Synchronization

/// A controller's work queue over `WorkQueueState`, with a clock and waiting.
/// Workers call `next()` and must call `finish(_:result:)` for every key they got.
public final class WorkQueue<Key: Hashable & Sendable, C: Clock>: Sendable where C.Duration == Duration {
    private struct Inner {
        var state = WorkQueueState<Key, C.Instant>()
        var failures: [Key: Int] = [:]
        var waiters: [CheckedContinuation<Void, Never>] = []
        var closed = false
    }

    private let clock: C
    private let errorPolicy: ErrorPolicy
    private let inner = Mutex(Inner())

    public init(clock: C, errorPolicy: ErrorPolicy = ErrorPolicy()) {
        self.clock = clock
        self.errorPolicy = errorPolicy
    }

    /// Schedules `key` now (or after `delay`).
    public func add(_ key: Key, after delay: Duration = .zero) {
        let due = clock.now.advanced(by: delay)
        let waiters = inner.withLock { inner -> [CheckedContinuation<Void, Never>] in
            inner.state.add(key, due: due)
            defer { inner.waiters.removeAll() }
            return inner.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The next due key, waiting for one; nil once the queue is closed or the task is cancelled.
    public func next() async -> Key? {
        while !Task.isCancelled {
            let (key, wait, closed) = inner.withLock { inner -> (Key?, Duration?, Bool) in
                if inner.closed { return (nil, nil, true) }
                let now = clock.now
                if let key = inner.state.take(now: now) { return (key, nil, false) }
                return (nil, inner.state.nextDue.map { now.duration(to: $0) }, false)
            }
            if closed { return nil }
            if let key { return key }
            await waitForChange(atMost: wait)
        }
        return nil
    }

    /// Records the outcome of processing `key`: success schedules per the action, failure backs off.
    public func finish(_ key: Key, result: Result<Action, any Error>) {
        let now = clock.now
        let waiters = inner.withLock { inner -> [CheckedContinuation<Void, Never>] in
            let requeue: C.Instant?
            switch result {
            case let .success(action):
                inner.failures[key] = nil
                if case let .requeue(after) = action { requeue = now.advanced(by: after) } else { requeue = nil }
            case .failure:
                let failures = (inner.failures[key] ?? 0) + 1
                inner.failures[key] = failures
                requeue = now.advanced(by: errorPolicy.delay(afterFailures: failures))
            }
            inner.state.finish(key, requeue: requeue)
            defer { inner.waiters.removeAll() }
            return inner.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Drops pending work for a key whose object is gone.
    public func forget(_ key: Key) {
        inner.withLock { inner in
            inner.state.forget(key)
            inner.failures[key] = nil
        }
    }

    /// Ends every `next()` now and later; used on shutdown and on losing leadership.
    public func close() {
        let waiters = inner.withLock { inner -> [CheckedContinuation<Void, Never>] in
            inner.closed = true
            defer { inner.waiters.removeAll() }
            return inner.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    public var depth: Int { inner.withLock { $0.state.depth } }

    /// Waits until something is added or finished, or until `atMost` has passed.
    private func waitForChange(atMost: Duration?) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        // Checked under the lock that onCancel also takes, so a cancellation
                        // that races this registration still resumes the continuation.
                        let cancelled = self.inner.withLock { inner -> Bool in
                            if Task.isCancelled { return true }
                            inner.waiters.append(continuation)
                            return false
                        }
                        if cancelled { continuation.resume() }
                    }
                } onCancel: {
                    let waiters = self.inner.withLock { inner -> [CheckedContinuation<Void, Never>] in
                        defer { inner.waiters.removeAll() }
                        return inner.waiters
                    }
                    for waiter in waiters { waiter.resume() }
                }
            }
            if let atMost {
                group.addTask { try? await self.clock.sleep(for: atMost) }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
