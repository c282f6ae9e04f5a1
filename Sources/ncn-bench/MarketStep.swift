import Foundation
import NostrBridge

/// One offered rate against one provider: the requests, their answers and the provider's usage.
struct MarketStepResult: Sendable, Codable {
    var provider: String
    var offeredRate: Double
    var sent: Int
    /// Requests no relay accepted: not counted anywhere else.
    var unsent: Int
    /// Sending took this long: above count/rate when the generator could not keep up.
    var sendSeconds: Double
    /// Requests with every expected answer within `lateAfter`.
    var onTime: Int
    /// Every expected answer, but the last after `lateAfter`.
    var late: Int
    /// Some expected answer never came within the settle time.
    var dropped: Int
    /// Answers that were neither a bid, a payment-required nor the refusal a bad request earns.
    var unexpected: [String]
    var bid: LatencySummary
    var paymentRequired: LatencySummary
    var refusal: LatencySummary
    var usage: ProcessUsage?
}

struct MarketStep {
    let pool: RelayPool
    let answers: MarketAnswers
    let provider: MarketTarget
    let load: MarketLoad

    func run(rate: Double, progress: (String) -> Void) async throws -> MarketStepResult {
        let total = load.requestCount(rate: rate)
        let events = try (0..<total).map { index in try load.request(index: index, to: provider.pubkey) }
        let ids = events.map(\.event.id)
        let clock = ContinuousClock()
        let sampler = provider.pid.map(ProcessSampler.init(pid:))
        progress("\(provider.label): \(total) requests at \(rate)/s")
        let work: () async -> Duration = {
            let start = clock.now
            await withTaskGroup(of: Void.self) { group in
                for (index, request) in events.enumerated() {
                    try? await clock.sleep(until: start + .seconds(Double(index) / rate))
                    answers.sent(request.event.id, at: clock.now, mustRefuse: request.mustRefuse)
                    group.addTask {
                        let outcomes = await pool.publish(request.event)
                        if !outcomes.values.contains(where: \.isSuccess) { answers.failedToSend(request.event.id) }
                    }
                }
            }
            let sendTime = clock.now - start
            let deadline = clock.now + .seconds(load.settle)
            while clock.now < deadline, !answers.snapshot(ids).allSatisfy(\.isComplete) {
                try? await clock.sleep(for: .milliseconds(50))
            }
            return sendTime
        }
        let sendTime: Duration
        var usage: ProcessUsage?
        if let sampler { (sendTime, usage) = await sampler.measure(work) } else { sendTime = await work() }
        let requests = answers.snapshot(ids)
        answers.forget(ids)
        return Self.summarize(requests, provider: provider.label, rate: rate, sendTime: sendTime, lateAfter: load.lateAfter, usage: usage)
    }

    static func summarize(_ requests: [MarketAnswers.Request], provider: String, rate: Double, sendTime: Duration,
                          lateAfter: Double, usage: ProcessUsage?) -> MarketStepResult {
        func since(_ request: MarketAnswers.Request, _ instant: ContinuousClock.Instant?) -> Double? {
            instant.map { ($0 - request.sentAt).milliseconds }
        }
        var onTime = 0, late = 0, dropped = 0, unsent = 0
        var unexpected: [String] = []
        for request in requests {
            if request.unsent { unsent += 1; continue }
            if let other = request.other { unexpected.append(other); continue }
            guard request.isComplete else { dropped += 1; continue }
            let last = request.mustRefuse ? since(request, request.refusal) : [since(request, request.bid), since(request, request.paymentRequired)].compactMap { $0 }.max()
            if let last, last <= lateAfter * 1000 { onTime += 1 } else { late += 1 }
        }
        let valid = requests.filter { !$0.mustRefuse }
        return MarketStepResult(
            provider: provider, offeredRate: rate, sent: requests.count - unsent, unsent: unsent, sendSeconds: sendTime.seconds,
            onTime: onTime, late: late, dropped: dropped, unexpected: Array(Set(unexpected)).sorted(),
            bid: LatencySummary(valid.compactMap { since($0, $0.bid) }),
            paymentRequired: LatencySummary(valid.compactMap { since($0, $0.paymentRequired) }),
            refusal: LatencySummary(requests.filter(\.mustRefuse).compactMap { since($0, $0.refusal) }),
            usage: usage)
    }
}
