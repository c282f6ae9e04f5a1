/// The list-then-watch protocol of a Kubernetes watcher, with no IO: it is told what happened
/// and answers with what to do next. Modeled on kube-runtime's watcher:
/// list (paginated) → watch from the list's resourceVersion → on a clean end, watch again from
/// the last seen version → on 410 Gone, list again from scratch; transport errors back off.
struct WatcherStateMachine {
    enum Action: Equatable {
        case list(continueToken: String?)
        case watch(resourceVersion: String)
        /// Wait, then perform the action again.
        case backoff(Duration, then: Retry)
    }

    enum Retry: Equatable {
        case list
        case watch(resourceVersion: String)
    }

    private enum State {
        case listing(continueToken: String?)
        case watching(resourceVersion: String)
    }

    private var state: State = .listing(continueToken: nil)
    private var backoff: Backoff

    init(backoff: Backoff = Backoff()) {
        self.backoff = backoff
    }

    /// Resumes a watch from a version seen earlier, skipping the initial list; tests use it
    /// to present a stale version, as a watcher that was disconnected for long would.
    init(resumingAt resourceVersion: String, backoff: Backoff = Backoff()) {
        self.backoff = backoff
        self.state = .watching(resourceVersion: resourceVersion)
    }

    /// What to do now.
    var nextAction: Action {
        switch state {
        case let .listing(token): return .list(continueToken: token)
        case let .watching(rv): return .watch(resourceVersion: rv)
        }
    }

    /// A page of the list arrived. Returns true when the list is complete: the consumer then
    /// replaces everything it knew with the accumulated pages.
    mutating func listPageReceived(resourceVersion: String?, continueToken: String?) -> Bool {
        backoff.reset()
        if let continueToken, !continueToken.isEmpty {
            state = .listing(continueToken: continueToken)
            return false
        }
        // An apiserver always sends a list resourceVersion; without one, watching would start "from any", so re-list.
        guard let resourceVersion, !resourceVersion.isEmpty else {
            state = .listing(continueToken: nil)
            return true
        }
        state = .watching(resourceVersion: resourceVersion)
        return true
    }

    /// An object event or a bookmark moved the stream on to `resourceVersion`.
    mutating func progressed(to resourceVersion: String?) {
        backoff.reset()
        if let resourceVersion, !resourceVersion.isEmpty, case .watching = state {
            state = .watching(resourceVersion: resourceVersion)
        }
    }

    /// The apiserver ended the watch cleanly (its timeoutSeconds elapsed): resume where we were.
    mutating func watchEnded() -> Action { nextAction }

    /// An ERROR event or a failed request. `gone` means our resourceVersion is too old for etcd
    /// (410, or the `Expired` reason): only a fresh list can recover what was missed.
    mutating func failed(gone: Bool) -> Action {
        if gone {
            state = .listing(continueToken: nil)
            return .list(continueToken: nil)
        }
        // A list continue token also expires; restart that list rather than retrying a dead token.
        if case .listing = state { state = .listing(continueToken: nil) }
        let retry: Retry
        switch state {
        case .listing: retry = .list
        case let .watching(rv): retry = .watch(resourceVersion: rv)
        }
        return .backoff(backoff.next(), then: retry)
    }
}

/// Exponential backoff with jitter; the jitter source is injected so tests are deterministic.
struct Backoff {
    var initial: Duration = .milliseconds(500)
    var maximum: Duration = .seconds(30)
    /// Returns a factor in [0.5, 1.0] that spreads reconnecting clients apart.
    var jitter: @Sendable () -> Double = { Double.random(in: 0.5...1.0) }
    private var attempt = 0

    init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30), jitter: @escaping @Sendable () -> Double = { Double.random(in: 0.5...1.0) }) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
    }

    mutating func next() -> Duration {
        let exponent = min(attempt, 30)
        attempt += 1
        let uncapped = initial * (1 << exponent)
        let capped = uncapped > maximum ? maximum : uncapped
        return capped * jitter()
    }

    mutating func reset() { attempt = 0 }
}
