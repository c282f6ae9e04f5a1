import Foundation
import KubeClient
import NostrBridge
import Operator
import Synchronization

/// What the payment benchmark saw, stamped as it arrived: the provider's answers by request,
/// the wallet's notifications by payment hash, and the first sight of each lease's Job and Pod.
final class PaymentObservations: Sendable {
    typealias Instant = ContinuousClock.Instant

    /// One paid lease: when it was paid and when each thing that follows was seen.
    struct Lease: Sendable {
        var paidAt: Instant
        var notified: Instant?
        var job: Instant?
        var pod: Instant?
        var processing: Instant?
        var provisioning: Instant?

        var missing: [String] {
            [("the wallet's notice", notified), ("Job", job), ("Pod", pod), ("processing", processing), ("provisioning", provisioning)]
                .filter { $0.1 == nil }.map(\.0)
        }
    }

    private struct State {
        var requests: Set<String> = []
        var invoices: [String: String] = [:]
        var processing: [String: Instant] = [:]
        var provisioning: [String: Instant] = [:]
        var notified: [String: Instant] = [:]
        var jobs: [String: Instant] = [:]
        var pods: [String: Instant] = [:]
    }

    private let state = Mutex(State())

    func requested(_ id: String) { state.withLock { _ = $0.requests.insert(id) } }

    func answer(_ event: NostrEvent, at instant: Instant) {
        guard let request = event.tags.first(where: { $0.first == "e" && $0.count > 1 })?[1] else { return }
        let status = event.tags.first { $0.first == "status" && $0.count > 1 }?[1] ?? ""
        state.withLock { state in
            guard state.requests.contains(request) else { return }
            switch (event.kind, status) {
            case (7000, "payment-required"):
                if let bolt11 = event.tags.first(where: { $0.first == "amount" && $0.count > 2 })?[2] { state.invoices[request] = state.invoices[request] ?? bolt11 }
            case (7000, "processing"): state.processing[request] = state.processing[request] ?? instant
            case (6900, "provisioning"): state.provisioning[request] = state.provisioning[request] ?? instant
            default: break
            }
        }
    }

    func notified(_ paymentHash: String, at instant: Instant) {
        state.withLock { $0.notified[paymentHash] = $0.notified[paymentHash] ?? instant }
    }

    /// Records the first sight of each lease's object of kind `R` (labelled with its lease).
    func watch<R: KubernetesResource>(_: R.Type, client: KubernetesClient, clock: ContinuousClock) async throws {
        let watcher = client.watcher(R.self, options: .init(labelSelector: LeaseLabels.lease))
        for try await event in watcher {
            let objects: [R]
            switch event {
            case let .restarted(all): objects = all
            case let .applied(object): objects = [object]
            case .deleted: continue
            }
            let at = clock.now
            state.withLock { state in
                for object in objects {
                    guard let lease = object.metadata.labels?[LeaseLabels.lease] else { continue }
                    if R.self == Pod.self {
                        state.pods[lease] = state.pods[lease] ?? at
                    } else {
                        state.jobs[lease] = state.jobs[lease] ?? at
                    }
                }
            }
        }
    }

    func invoice(for request: String) -> String? { state.withLock { $0.invoices[request] } }

    /// The lease once everything that follows its payment was seen; nil until then.
    func lease(request: String, name: String, paymentHash: String, paidAt: Instant) -> Lease? {
        let lease = partial(request: request, name: name, paymentHash: paymentHash, paidAt: paidAt)
        return lease.missing.isEmpty ? lease : nil
    }

    func partial(request: String, name: String, paymentHash: String, paidAt: Instant) -> Lease {
        state.withLock { state in
            Lease(paidAt: paidAt, notified: state.notified[paymentHash], job: state.jobs[name], pod: state.pods[name],
                  processing: state.processing[request], provisioning: state.provisioning[request])
        }
    }

    /// Checks `probe` every few milliseconds until it gives a value or `timeout` seconds pass.
    func wait<T>(timeout: Double, _ probe: (PaymentObservations) -> T?) async -> T? {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if let value = probe(self) { return value }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return probe(self)
    }
}

/// The payment benchmark's figures: latency from the payment to each step, in milliseconds.
struct PaymentResult: Sendable, Encodable {
    struct Row: Sendable, Encodable {
        var step: String
        var latency: LatencySummary
    }

    /// The operator's apiserver requests during the step, per paid lease, with their mean time.
    struct Requests: Sendable, Encodable {
        var request: String
        var perLease: Double
        var meanMilliseconds: Double
    }

    var wallet: String
    var rows: [Row]
    var missed: [String]
    var requests: [Requests] = []

    init(wallet: String, leases: [PaymentObservations.Lease], missed: [String]) {
        self.wallet = wallet
        func summary(_ from: (PaymentObservations.Lease) -> ContinuousClock.Instant?, _ to: (PaymentObservations.Lease) -> ContinuousClock.Instant?) -> LatencySummary {
            LatencySummary(leases.compactMap { lease in
                guard let start = from(lease), let end = to(lease) else { return nil }
                return (end - start).milliseconds
            })
        }
        rows = [
            Row(step: "payment → the wallet's notice", latency: summary(\.paidAt, \.notified)),
            Row(step: "notice → Job created (the provider)", latency: summary(\.notified, \.job)),
            Row(step: "notice → Pod created", latency: summary(\.notified, \.pod)),
            Row(step: "notice → processing at the tenant", latency: summary(\.notified, \.processing)),
            Row(step: "payment → Pod created", latency: summary(\.paidAt, \.pod)),
            Row(step: "payment → processing at the tenant", latency: summary(\.paidAt, \.processing)),
            Row(step: "payment → provisioning at the tenant", latency: summary(\.paidAt, \.provisioning)),
        ]
        self.missed = missed
    }

    var table: String {
        func ms(_ value: Double?) -> String { value.map { String(format: "%7.1f", $0) } ?? "      -" }
        // `step` holds arrows, several bytes each: pad by characters, not with String(format:).
        var lines = ["wallet \(wallet)".padding(toLength: 40, withPad: " ", startingAt: 0) + "    n     p50     p90     p99     max"]
        for row in rows {
            let step = row.step.padding(toLength: 40, withPad: " ", startingAt: 0)
            lines.append("\(step)  \(String(format: "%3d", row.latency.count)) \(ms(row.latency.p50)) \(ms(row.latency.p90)) \(ms(row.latency.p99)) \(ms(row.latency.max))")
        }
        if !requests.isEmpty {
            lines.append("the operator's apiserver requests      per lease  mean ms")
            for entry in requests {
                lines.append(entry.request.padding(toLength: 38, withPad: " ", startingAt: 0)
                    + String(format: "%10.1f %8.1f", entry.perLease, entry.meanMilliseconds))
            }
        }
        for line in missed { lines.append("missed: \(line)") }
        return lines.joined(separator: "\n")
    }
}
