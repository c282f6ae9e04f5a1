import Foundation
import KubeClient
import NostrBridge

/// One answer to one log request, as chunks: lines from the pod's log go in, numbered chunks of
/// at most `limits.chunkBytes` plaintext come out, when full, when their oldest line has waited
/// `flushAfter`, as a keepalive in a quiet follow, and last with an `end`. Lines at or before the
/// request's `after` cursor are dropped (the apiserver's `sinceTime` has whole seconds). IO-free.
struct LogAnswer: Sendable {
    let logRequestID: String
    let tenant: String
    let follow: Bool
    let after: ComputeLogTimestamp?
    let limits: LogLimits
    let startedAt: Date

    private var sequence = 0
    private var pending: [ComputeLogLine] = []
    private var pendingBytes = 0
    private var pendingSince: Date?
    private var lastSent: Date
    /// Log bytes read, as the apiserver counts them for `limitBytes`.
    private(set) var bytesRead = 0
    private var lastTimestamp: ComputeLogTimestamp?
    private(set) var isFinished = false
    private var unterminated: PodLogLine?

    init(request: ComputeLogRequest, limits: LogLimits, now: Date) {
        logRequestID = request.id
        tenant = request.tenant
        follow = request.follow
        after = request.after
        self.limits = limits
        startedAt = now
        lastSent = now
    }

    /// Room for lines in one chunk.
    private var capacity: Int { limits.chunkBytes - ComputeLogChunk.overheadBytes }

    mutating func receive(_ line: PodLogLine, now: Date) -> [ComputeLogChunk] {
        guard !isFinished else { return [] }
        bytesRead += line.bytes.count + (line.unterminated ? 0 : 1)
        // The stream's last bytes without a newline: a whole line if the container wrote no
        // more, or the start of one cut by the byte limit, which the next answer reads whole.
        if line.unterminated {
            unterminated = line
            return []
        }
        guard var parsed = Self.parse(line, fallback: lastTimestamp ?? ComputeLogTimestamp(unixSeconds: Int64(now.timeIntervalSince1970))) else { return [] }
        lastTimestamp = parsed.timestamp
        if let after, parsed.timestamp <= after { return [] }
        parsed = parsed.fitting(min(ComputeLogChunk.maximumLineBytes, capacity))
        var out: [ComputeLogChunk] = []
        let size = parsed.encodedSize
        if pendingBytes + size > capacity { out.append(take(end: nil, now: now)) }
        pending.append(parsed)
        pendingBytes += size
        if pendingSince == nil { pendingSince = now }
        return out
    }

    /// Flushes a chunk whose lines have waited long enough, keeps a quiet follow alive, and ends
    /// a follow at the end of its window.
    mutating func tick(now: Date) -> [ComputeLogChunk] {
        guard !isFinished else { return [] }
        if follow, now.timeIntervalSince(startedAt) >= limits.window {
            return end(ComputeLogChunk.End(ComputeLogChunk.End.window, "ask again with after to go on"), now: now)
        }
        if let since = pendingSince, now.timeIntervalSince(since) >= limits.flushAfter { return [take(end: nil, now: now)] }
        if follow, pending.isEmpty, now.timeIntervalSince(lastSent) >= limits.keepalive { return [take(end: nil, now: now)] }
        return []
    }

    /// The stream from the apiserver ended: by the byte limit, because the container stopped
    /// (follow), or because everything asked for was read.
    mutating func streamEnded(now: Date) -> [ComputeLogChunk] {
        if bytesRead >= limits.bytesPerAnswer {
            // The last line may go on past the limit: left for the next answer, from the cursor.
            return end(ComputeLogChunk.End(ComputeLogChunk.End.limit, "ask again with after to go on"), now: now)
        }
        var out: [ComputeLogChunk] = []
        if var last = unterminated {
            last.unterminated = false
            out = receive(last, now: now)
        }
        return out + end(ComputeLogChunk.End(follow ? ComputeLogChunk.End.stopped : ComputeLogChunk.End.complete), now: now)
    }

    /// The pending lines and `end`, in one chunk (there is always room: see `overheadBytes`).
    mutating func end(_ end: ComputeLogChunk.End, now: Date) -> [ComputeLogChunk] {
        guard !isFinished else { return [] }
        let last = take(end: end, now: now)
        isFinished = true
        return [last]
    }

    private mutating func take(end: ComputeLogChunk.End?, now: Date) -> ComputeLogChunk {
        let chunk = ComputeLogChunk(logRequestID: logRequestID, tenant: tenant, sequence: sequence, lines: pending, end: end)
        sequence += 1
        pending = []
        pendingBytes = 0
        pendingSince = nil
        lastSent = now
        return chunk
    }

    /// `<RFC 3339 timestamp> <text>` as the apiserver writes with `timestamps=true`. A line
    /// without a valid timestamp (the tail of a cut line cannot have one) gets `fallback`.
    static func parse(_ line: PodLogLine, fallback: ComputeLogTimestamp) -> ComputeLogLine? {
        let bytes = line.bytes
        if let space = bytes.prefix(41).firstIndex(of: UInt8(ascii: " ")),
           let timestamp = ComputeLogTimestamp(String(decoding: bytes[..<space], as: UTF8.self)) {
            return ComputeLogLine(timestamp: timestamp, text: String(decoding: bytes[(space + 1)...], as: UTF8.self), truncated: line.cut)
        }
        return ComputeLogLine(timestamp: fallback, text: String(decoding: bytes, as: UTF8.self), truncated: line.cut)
    }
}
