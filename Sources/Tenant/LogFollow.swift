import NostrBridge

/// The client's side of reading logs (draft §5.4), IO-free: which chunks belong to the current
/// log request, which of their lines are new (after the cursor, so a line is printed once even
/// when an answer is asked for again), lost chunks, and what to do at an answer's end or after
/// a silence. The reader feeds it chunks and ticks and does what it says.
public struct LogFollow: Sendable {
    public enum Next: Equatable, Sendable {
        /// Keep reading.
        case wait
        /// Send a new log request from the cursor (the window or byte limit was reached, the
        /// provider went quiet, or restarted).
        case askAgain
        /// The container has not started: ask again after this many seconds.
        case askAgainAfter(Double)
        /// Done: the answer ended with this.
        case finish(ComputeLogChunk.End)
        /// No answer at all to the first request.
        case noAnswer
    }

    public struct Step: Equatable, Sendable {
        public var lines: [ComputeLogLine] = []
        /// Chunks of this answer that never arrived before this one.
        public var lost = 0
        public var next: Next = .wait
        public init() {}
    }

    public let follow: Bool
    /// How long without a chunk before asking again (a follow) or giving up (the first answer).
    public let silence: Double
    public let firstAnswer: Double
    /// The timestamp of the last line handed out: the `after` of the next request.
    public private(set) var cursor: ComputeLogTimestamp?
    public private(set) var current: String?
    private var expected = 0
    private var lastHeard: Double = 0
    private var anyAnswer = false
    /// Requests sent in a row without a chunk in between: past a few, the provider is gone.
    private var unanswered = 0

    public init(follow: Bool, after: ComputeLogTimestamp? = nil, silence: Double = 75, firstAnswer: Double = 15) {
        self.follow = follow
        cursor = after
        self.silence = silence
        self.firstAnswer = firstAnswer
    }

    /// A new log request `id` was sent at `now` (seconds, any clock).
    public mutating func asked(_ id: String, now: Double) {
        current = id
        expected = 0
        lastHeard = now
        unanswered += 1
    }

    public mutating func receive(_ chunk: ComputeLogChunk, now: Double) -> Step {
        guard chunk.logRequestID == current, chunk.sequence >= expected else { return Step() }
        var step = Step()
        step.lost = chunk.sequence - expected
        expected = chunk.sequence + 1
        lastHeard = now
        anyAnswer = true
        unanswered = 0
        for line in chunk.lines where cursor.map({ line.timestamp > $0 }) ?? true {
            step.lines.append(line)
            cursor = line.timestamp
        }
        if let end = chunk.end {
            switch end.reason {
            case ComputeLogChunk.End.window, ComputeLogChunk.End.limit:
                step.next = .askAgain
            case ComputeLogChunk.End.starting where follow:
                // Waiting for a container that is being pulled counts as being answered.
                step.next = .askAgainAfter(5)
            default:
                step.next = .finish(end)
            }
        }
        return step
    }

    public mutating func tick(now: Double) -> Next {
        guard current != nil else { return .wait }
        if !anyAnswer {
            return now - lastHeard >= firstAnswer ? .noAnswer : .wait
        }
        guard now - lastHeard >= (unanswered > 0 ? firstAnswer : silence) else { return .wait }
        // Quiet past the keepalive: the provider restarted or a relay dropped us. Ask again
        // from the cursor a few times, then give up.
        if unanswered >= 3 { return .noAnswer }
        return follow || unanswered == 0 ? .askAgain : .noAnswer
    }
}
