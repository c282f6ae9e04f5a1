import Foundation
import NostrBridge

/// How cheaply a provider turns away requests it must refuse, on its real intake path: signature
/// check, parse, policy, price and the signed refusal, as requests per CPU-second of the
/// provider's process. The reference is the raw libsecp256k1 BIP-340 verify rate on one core,
/// measured here in the same run.
struct TriageResult: Sendable, Codable {
    var provider: String
    var sent: Int
    var refused: Int
    var cpuSeconds: Double
    var wallSeconds: Double
    /// Refusals per CPU-second of the provider.
    var perCPUSecond: Double
    /// BIP-340 verifies per second on one core, in this process.
    var rawVerifyPerSecond: Double
}

struct TriageStep {
    let pool: RelayPool
    let answers: MarketAnswers
    let provider: MarketTarget
    let load: MarketLoad

    /// Sends `count` requests to refuse, keeping at most `window` unanswered at a time (one
    /// unanswered after `timeout` seconds frees its place), and measures until the last answer or
    /// `settle` seconds after the last request.
    ///
    /// A window, not everything at once: a provider that bounds its queue of refusals (the
    /// operator holds 256) drops those beyond it after having done the work, and a relay turns
    /// away publishes beyond its own limits, so an unbounded burst measures those bounds rather
    /// than the cost of a refusal.
    func run(count: Int, window: Int, timeout: Double, settle: Double, rawVerifyPerSecond: Double) async throws -> TriageResult? {
        guard let pid = provider.pid else { return nil }
        let sampler = ProcessSampler(pid: pid)
        var refusedLoad = load
        refusedLoad.invalidEvery = 1  // every request asks for the refused image
        let events = try (0..<count).map { try refusedLoad.request(index: $0, to: provider.pubkey).event }
        let ids = events.map(\.id)
        let clock = ContinuousClock()
        guard let cpuBefore = sampler.cpuSeconds() else { return nil }
        let start = clock.now
        await withTaskGroup(of: Void.self) { group in
            var outstanding: [String: ContinuousClock.Instant] = [:]
            for event in events {
                while outstanding.count >= max(1, window) {
                    let now = clock.now
                    let done = answers.completed(Array(outstanding.keys))
                    outstanding = outstanding.filter { !done.contains($0.key) && now - $0.value < .seconds(timeout) }
                    if outstanding.count >= max(1, window) { try? await clock.sleep(for: .milliseconds(2)) }
                }
                let sentAt = clock.now
                answers.sent(event.id, at: sentAt, mustRefuse: true)
                outstanding[event.id] = sentAt
                group.addTask {
                    let outcomes = await pool.publish(event)
                    if !outcomes.values.contains(where: \.isSuccess) { answers.failedToSend(event.id) }
                }
            }
        }
        let deadline = clock.now + .seconds(settle)
        var last = start
        while clock.now < deadline {
            let snapshot = answers.snapshot(ids)
            last = snapshot.compactMap(\.refusal).max() ?? last
            if snapshot.allSatisfy(\.isComplete) { break }
            try await clock.sleep(for: .milliseconds(50))
        }
        // CPU up to now, not to the last refusal: the provider's work on a request ends with its
        // answer, and anything after it (idle timers) is a few milliseconds at most.
        guard let cpuAfter = sampler.cpuSeconds() else { return nil }
        let final = answers.snapshot(ids)
        let refused = final.filter { $0.refusal != nil }.count
        let accepted = final.filter { !$0.unsent }.count
        answers.forget(ids)
        let cpu = cpuAfter - cpuBefore
        return TriageResult(provider: provider.label, sent: accepted, refused: refused, cpuSeconds: cpu, wallSeconds: (last - start).seconds,
                            perCPUSecond: cpu > 0 ? Double(refused) / cpu : 0, rawVerifyPerSecond: rawVerifyPerSecond)
    }

    /// BIP-340 verifies per second on this thread, over distinct signatures.
    static func rawVerifyRate(seconds: Double = 2) throws -> Double {
        let key = SecretKey.generate()
        let events = try (0..<500).map { try EventBuilder(kind: 5900, content: "\($0)").sign(with: key) }
        let ids = events.map { Hex.decode($0.id)! }
        let sigs = events.map { Hex.decode($0.sig)! }
        return try PrimitivesCommand.rate(seconds, count: events.count) { index in
            guard key.publicKey.isValidSignature(sigs[index], for: ids[index]) else { throw MarketLoadError("verify failed") }
        }
    }
}
