/// What a reconcile asks of the controller afterwards, as in kube-runtime.
public enum Action: Sendable, Equatable {
    /// Nothing to do until the object (or something it owns) changes.
    case awaitChange
    /// Look again after this long even if nothing changes (deadlines, polling an external system).
    case requeue(after: Duration)
}

/// How a failed reconcile is retried: exponential per key, reset by the next success.
public struct ErrorPolicy: Sendable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(300)) {
        self.initial = initial
        self.maximum = maximum
    }

    public func delay(afterFailures failures: Int) -> Duration {
        let exponent = min(max(failures - 1, 0), 20)
        let delay = initial * (1 << exponent)
        return delay > maximum ? maximum : delay
    }
}
