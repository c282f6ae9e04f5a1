/// How much of the observed time a lease's endpoints answered: a pure accumulator fed probe
/// results with the instant each was taken, on any clock (tests use a fake one).
///
/// The time between two probes counts as up only when both ends of it answered: an endpoint
/// seen down at either end is taken to have been down in between, so a flapping endpoint is not
/// rated better than it was seen. A gap longer than `maxGap` (the machine slept, the CLI was
/// stopped) is not observed time at all.
public struct UptimeMeter<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration, Instant: Sendable {
    public let maxGap: Duration
    public private(set) var observed: Duration = .zero
    public private(set) var up: Duration = .zero
    public private(set) var probes = 0
    public private(set) var failures = 0
    private var last: (at: Instant, up: Bool)?

    public init(maxGap: Duration = .seconds(120)) { self.maxGap = maxGap }

    /// One probe: `answered` when every endpoint probed answered.
    public mutating func record(_ answered: Bool, at instant: Instant) {
        probes += 1
        if !answered { failures += 1 }
        if let last, last.at < instant {
            let span = last.at.duration(to: instant)
            if span <= maxGap {
                observed += span
                if last.up && answered { up += span }
            }
        }
        if last.map({ $0.at <= instant }) ?? true { last = (instant, answered) }
    }

    /// Up time over observed time, 0…1; nil before two probes span some time.
    public var fraction: Double? {
        guard observed > .zero else { return nil }
        return min(1, max(0, up / observed))
    }

    /// The fraction as the draft's `uptime` tag writes it: decimal, at most 3 places, e.g. "0.998".
    public var tagValue: String? { fraction.map(Self.format) }

    public static func format(_ fraction: Double) -> String {
        let thousandths = Int((min(1, max(0, fraction)) * 1000).rounded(.down))
        if thousandths == 1000 { return "1" }
        if thousandths == 0 { return "0" }
        var text = String(thousandths)
        while text.count < 3 { text = "0" + text }
        while text.hasSuffix("0") { text.removeLast() }
        return "0." + text
    }
}
