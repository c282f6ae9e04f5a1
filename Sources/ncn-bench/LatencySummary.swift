/// Nearest-rank percentiles of a set of latencies.
struct LatencySummary: Sendable, Codable {
    var count: Int
    var p50: Double?
    var p90: Double?
    var p99: Double?
    var max: Double?

    /// - Parameter milliseconds: one latency per answered request.
    init(_ milliseconds: [Double]) {
        let sorted = milliseconds.sorted()
        count = sorted.count
        func rank(_ percent: Double) -> Double? {
            guard !sorted.isEmpty else { return nil }
            let index = Int((percent / 100 * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, index))]
        }
        p50 = rank(50)
        p90 = rank(90)
        p99 = rank(99)
        max = sorted.last
    }
}
