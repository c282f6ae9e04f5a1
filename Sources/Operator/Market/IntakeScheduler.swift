import DequeModule

/// Which piece of intake work runs when. Requests are handled concurrently, so that one
/// request's apiserver round trip does not hold up the next, but never more than `parallelism`
/// at once, and work for the same request (the request from a second relay, its cancellation,
/// a nutzap for it) runs one after another, in arrival order. What waits is bounded: beyond
/// `capacity` new work is dropped, so a flood costs memory up to a limit, not without one.
///
/// IO-free: the intake loop submits, each worker reports what it finished and is handed its
/// next piece of work, if any.
struct IntakeScheduler<Work: Sendable>: Sendable {
    struct Entry: Sendable {
        var key: String
        var work: Work
    }

    enum Submission: Sendable {
        /// A worker is free: run this now.
        case start(Entry)
        /// Queued behind earlier work for the same key or for a free worker.
        case queued
        /// Over capacity: not run.
        case dropped
    }

    let parallelism: Int
    let capacity: Int
    /// Keys with work running or queued, each with the work waiting behind it.
    private var blocked: [String: Deque<Work>] = [:]
    /// Work whose turn it is for its key, waiting for a worker.
    private var ready: Deque<Entry> = []
    private(set) var running = 0
    /// Work accepted and not yet started.
    private(set) var waiting = 0

    init(parallelism: Int, capacity: Int) {
        precondition(parallelism > 0 && capacity >= 0)
        self.parallelism = parallelism
        self.capacity = capacity
    }

    mutating func submit(_ work: Work, key: String) -> Submission {
        if blocked[key] != nil {
            guard waiting < capacity else { return .dropped }
            blocked[key]?.append(work)
            waiting += 1
            return .queued
        }
        if running < parallelism {
            blocked[key] = []
            running += 1
            return .start(Entry(key: key, work: work))
        }
        guard waiting < capacity else { return .dropped }
        blocked[key] = []
        ready.append(Entry(key: key, work: work))
        waiting += 1
        return .queued
    }

    /// The work for `key` that a worker started has finished; returns what that worker runs next.
    mutating func finish(key: String) -> Entry? {
        precondition(running > 0, "finish without a start")
        running -= 1
        if let next = blocked[key]?.popFirst() {
            // Its turn comes after work that was ready before it.
            ready.append(Entry(key: key, work: next))
        } else {
            blocked[key] = nil
        }
        guard running < parallelism, let entry = ready.popFirst() else { return nil }
        running += 1
        waiting -= 1
        return entry
    }

    var isIdle: Bool { running == 0 && waiting == 0 }
}
