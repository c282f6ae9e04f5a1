import Metrics
import NostrBridge

/// Refusals on their way to the relays. Intake hands them over and goes on to the next request:
/// waiting for every relay's OK (up to the publish timeout when one is slow or gone) would let a
/// flood of bad requests, or one dead relay, stall the reading of good ones. The queue is bounded;
/// when it is full the refusal is dropped and counted, like one over the refusal rate.
struct ReplyOutbox: Sendable {
    struct Reply: Sendable {
        var event: NostrEvent
        var relays: [String]
    }

    static let capacity = 256
    /// Refusals published at once: enough to hide a relay's round trip, few enough not to burst.
    static let parallelism = 8

    private let continuation: AsyncStream<Reply>.Continuation
    private let replies: AsyncStream<Reply>

    init(capacity: Int = ReplyOutbox.capacity) {
        (replies, continuation) = AsyncStream.makeStream(of: Reply.self, bufferingPolicy: .bufferingOldest(capacity))
    }

    /// Queues `event`; false when the queue was full and it was dropped.
    @discardableResult
    func send(_ event: NostrEvent, relays: [String]) -> Bool {
        if case .enqueued = continuation.yield(Reply(event: event, relays: relays)) { return true }
        Counter(label: "ncn_refusals_unsent_total").increment()
        return false
    }

    /// Publishes queued replies with at most `parallelism` in flight, until cancelled or finished.
    func run(parallelism: Int = ReplyOutbox.parallelism, publish: @escaping @Sendable (Reply) async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for await reply in replies {
                if inFlight == parallelism {
                    await group.next()
                    inFlight -= 1
                }
                group.addTask { await publish(reply) }
                inFlight += 1
            }
        }
    }

    func finish() { continuation.finish() }
}
