import Foundation
import NostrBridge

/// Who is reading logs now, and what they may still send: admission of a log request (per-lease
/// and total caps, a per-lease request rate, replays ignored) and the chunk rate per lease and in
/// all. IO-free; the log server asks it and does what it says. State is bounded by the caps plus
/// one budget per lease served recently.
struct LogReaders: Sendable {
    struct Reader: Equatable, Sendable {
        var id: String
        var lease: String
        var started: Date
        var replaced = false
    }

    enum Admission: Equatable, Sendable {
        /// Serve it; the readers named are replaced (they end with `replaced`).
        case start(replacing: [String])
        case refuse(ComputeLogChunk.End)
        case ignore(String)
    }

    let limits: LogLimits
    private(set) var readers: [String: Reader] = [:]
    private var requestBudgets: [String: Budget] = [:]
    private var chunkBudgets: [String: Budget] = [:]
    private var total: Budget
    /// Log request ids seen lately, oldest first: a relay replaying one gets nothing.
    private var seen: [String] = []
    private var seenSet: Set<String> = []
    static let rememberedRequests = 4096

    init(limits: LogLimits, now: Date) {
        self.limits = limits
        total = Budget(capacity: limits.chunkBurst, perSecond: limits.chunksPerSecond, now: now)
    }

    mutating func admit(id: String, lease: String, now: Date) -> Admission {
        guard !seenSet.contains(id) else { return .ignore("already seen") }
        remember(id)
        var requests = requestBudgets[lease] ?? Budget(capacity: limits.requestsPerMinutePerLease, perSecond: limits.requestsPerMinutePerLease / 60, now: now)
        defer { requestBudgets[lease] = requests }
        guard requests.take(now: now) else {
            return .refuse(.init(ComputeLogChunk.End.busy,
                                 "more than \(Int(limits.requestsPerMinutePerLease)) log requests a minute for this lease; wait a few seconds"))
        }
        let own = readers.values.filter { $0.lease == lease && !$0.replaced }.sorted { ($0.started, $0.id) < ($1.started, $1.id) }
        var replacing: [String] = []
        if own.count >= limits.readersPerLease {
            replacing = own.prefix(own.count - limits.readersPerLease + 1).map(\.id)
        }
        let live = readers.values.filter { !$0.replaced }.count - replacing.count
        guard live < limits.readers else {
            return .refuse(.init(ComputeLogChunk.End.busy, "this provider is sending as many logs as it allows; try again in a minute"))
        }
        for id in replacing { readers[id]?.replaced = true }
        readers[id] = Reader(id: id, lease: lease, started: now)
        return .start(replacing: replacing)
    }

    func isReplaced(_ id: String) -> Bool { readers[id]?.replaced ?? true }

    mutating func finish(_ id: String, now: Date) {
        guard let reader = readers.removeValue(forKey: id) else { return }
        // A lease nobody reads forgets its chunk budget once it would be full again anyway.
        if !readers.values.contains(where: { $0.lease == reader.lease }) {
            chunkBudgets[reader.lease] = nil
        }
        // Request budgets that are full again carry no memory worth keeping.
        if requestBudgets.count > 1024 { requestBudgets = requestBudgets.filter { !$0.value.isFull(now: now) } }
    }

    /// Takes a chunk from `lease`'s budget and the total one; 0 when taken, otherwise how long
    /// to wait before asking again (nothing is taken then).
    mutating func reserveChunk(lease: String, now: Date) -> TimeInterval {
        var own = chunkBudgets[lease] ?? Budget(capacity: limits.chunkBurstPerLease, perSecond: limits.chunksPerSecondPerLease, now: now)
        defer { chunkBudgets[lease] = own }
        let wait = max(own.waitForOne(now: now), total.waitForOne(now: now))
        guard wait <= 0 else { return wait }
        _ = own.take(now: now)
        _ = total.take(now: now)
        return 0
    }

    private mutating func remember(_ id: String) {
        seen.append(id)
        seenSet.insert(id)
        if seen.count > Self.rememberedRequests {
            seen.removeFirst(seen.count - Self.rememberedRequests / 2)
            seenSet = Set(seen)
        }
    }

    /// A token bucket that can say how long until the next token.
    struct Budget: Sendable, Equatable {
        var tokens: Double
        let capacity: Double
        let perSecond: Double
        var updated: Date

        init(capacity: Double, perSecond: Double, now: Date) {
            self.capacity = max(1, capacity)
            self.perSecond = perSecond
            tokens = self.capacity
            updated = now
        }

        mutating func refill(now: Date) {
            tokens = min(capacity, tokens + max(0, now.timeIntervalSince(updated)) * perSecond)
            updated = max(updated, now)
        }

        func isFull(now: Date) -> Bool { tokens + max(0, now.timeIntervalSince(updated)) * perSecond >= capacity }

        mutating func waitForOne(now: Date) -> TimeInterval {
            refill(now: now)
            return tokens >= 1 ? 0 : (1 - tokens) / max(perSecond, 0.001)
        }

        mutating func take(now: Date) -> Bool {
            refill(now: now)
            guard tokens >= 1 else { return false }
            tokens -= 1
            return true
        }
    }
}
