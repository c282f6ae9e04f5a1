import Foundation
import NostrBridge
import Synchronization

/// What a provider answered to each request of the load, and when it arrived here: the tenant's
/// view, stamped as each event leaves the relay pool.
final class MarketAnswers: Sendable {
    struct Request: Sendable {
        var sentAt: ContinuousClock.Instant
        /// A request the provider must refuse (a 7000 `error`), not bid on.
        var mustRefuse: Bool
        var bid: ContinuousClock.Instant?
        var paymentRequired: ContinuousClock.Instant?
        var refusal: ContinuousClock.Instant?
        /// A status other than those three (say, a refusal of a valid request): the load is wrong.
        var other: String?
        /// No relay accepted the request: it never reached the provider.
        var unsent = false

        var isComplete: Bool { unsent || (mustRefuse ? refusal != nil : (bid != nil && paymentRequired != nil) || other != nil) }
    }

    private let requests = Mutex<[String: Request]>([:])

    func sent(_ id: String, at instant: ContinuousClock.Instant, mustRefuse: Bool) {
        requests.withLock { $0[id] = Request(sentAt: instant, mustRefuse: mustRefuse) }
    }

    /// Files one 6900 or 7000 under the request its `e` tag names; the first of each kind counts.
    func received(_ event: NostrEvent, at instant: ContinuousClock.Instant) {
        guard let request = event.tags.first(where: { $0.first == "e" && $0.count > 1 })?[1] else { return }
        let status = event.tags.first { $0.first == "status" && $0.count > 1 }?[1] ?? ""
        requests.withLock { requests in
            guard var entry = requests[request] else { return }
            switch (event.kind, status) {
            case (6900, "bid"): entry.bid = entry.bid ?? instant
            case (7000, "payment-required"): entry.paymentRequired = entry.paymentRequired ?? instant
            case (7000, "error"): entry.refusal = entry.refusal ?? instant
            default: entry.other = entry.other ?? "\(event.kind) \(status)"
            }
            requests[request] = entry
        }
    }

    func failedToSend(_ id: String) {
        requests.withLock { $0[id]?.unsent = true }
    }

    func snapshot(_ ids: [String]) -> [Request] {
        requests.withLock { requests in ids.compactMap { requests[$0] } }
    }

    /// Those of `ids` that are complete (answered, or never sent).
    func completed(_ ids: [String]) -> Set<String> {
        requests.withLock { requests in Set(ids.filter { requests[$0]?.isComplete ?? false }) }
    }

    func forget(_ ids: [String]) {
        requests.withLock { requests in for id in ids { requests[id] = nil } }
    }
}
