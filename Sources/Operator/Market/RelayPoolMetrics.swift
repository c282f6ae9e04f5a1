import Logging
import Metrics
import NostrBridge

/// The relay pool's own counts as metrics. The pool keeps cumulative totals; these are turned
/// into counter increments, so a dashboard sees rates and a restart starts from zero.
enum RelayPoolMetrics {
    static let period = Duration.seconds(5)

    /// Runs until cancelled. Events a slow reader lost to a full subscription buffer are also
    /// logged: a request dropped there is never answered, which the provider must hear about.
    static func export(_ pool: RelayPool, logger: Logger, period: Duration = RelayPoolMetrics.period) async {
        var last = pool.health()
        let connected = Gauge(label: "ncn_relays_connected")
        while !Task.isCancelled {
            do { try await Task.sleep(for: period) } catch { return }
            let health = pool.health()
            let dropped = health.droppedOnOverflow - last.droppedOnOverflow
            if dropped > 0 {
                Counter(label: "ncn_relay_events_dropped_total").increment(by: dropped)
                logger.warning("events dropped: the market read them slower than the relays sent them",
                               metadata: ["dropped": "\(dropped)"])
            }
            let invalid = health.droppedInvalid - last.droppedInvalid
            if invalid > 0 { Counter(label: "ncn_relay_events_invalid_total").increment(by: invalid) }
            connected.record(health.relays.values.filter { $0.state == .connected }.count)
            last = health
        }
    }

    /// Counts the relays' refusals of our own events by their reason prefix (`rate-limited`,
    /// `blocked`, …): a provider answering too fast shows up here before a relay bans it.
    static func countRejections(_ outcomes: [String: PublishOutcome]) {
        for outcome in outcomes.values {
            guard case let .rejected(message) = outcome else { continue }
            Counter(label: "ncn_relay_rejections_total", dimensions: [("reason", message.prefix?.word ?? "other")]).increment()
        }
    }
}
