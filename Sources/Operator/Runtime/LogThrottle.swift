/// Lets one warning of a kind through per interval and counts the others, so that a flood of the
/// same failure (a relay rate-limiting hundreds of answers a second while many leases start)
/// becomes one line per interval saying how many it stands for. IO-free: the caller gives the time.
struct LogThrottle: Sendable {
    let interval: Duration
    private var lastLogged: ContinuousClock.Instant?
    private var held = 0

    init(interval: Duration) {
        self.interval = interval
    }

    /// How many warnings were held back since the last one logged, when this one is to be logged;
    /// nil when it is held back too.
    mutating func admit(at now: ContinuousClock.Instant) -> Int? {
        if let lastLogged, now - lastLogged < interval {
            held += 1
            return nil
        }
        defer { lastLogged = now; held = 0 }
        return held
    }
}
