import Foundation
import NostrBridge

/// `ncn logs`: asks the lease's provider for the container's output (kind 25900, encrypted to
/// it) and reads the chunks (kind 26900) it sends back, asking again from the last line's
/// timestamp when an answer ends at the provider's window or byte limit, or when a follow goes
/// quiet (the provider restarted): lines are printed once, in order.
public struct LogReader: Sendable {
    public let key: SecretKey
    public let pool: RelayPool
    public var timeout: Duration = .seconds(8)

    public init(key: SecretKey, pool: RelayPool) {
        self.key = key
        self.pool = pool
    }

    public struct Options: Sendable {
        public var follow = false
        public var since: Int64?
        public var tailLines: Int?
        public var silence = 75.0
        public var firstAnswer = 15.0
        public init() {}
    }

    /// What ended the reading.
    public struct Outcome: Sendable {
        public var end: ComputeLogChunk.End
        public var lines = 0
        public var lost = 0
    }

    /// The provider that bid on `requestID`, from the relays.
    public func provider(of requestID: String) async throws(TenantError) -> (provider: String, summary: LeaseSummary) {
        let summary = try await LeaseQueries(key: key, pool: pool).status(of: requestID)
        guard let provider = summary.provider else {
            throw TenantError(.noProvider, "no provider has bid on \(requestID): check the id with ncn status, or the relays with --relay")
        }
        return (provider, summary)
    }

    /// Reads until the answer ends (or, following, until the container stops or the task is
    /// cancelled), handing each batch of new lines to `lines` and each notice to `notice`.
    public func read(_ requestID: String, provider: String, options: Options, lines: @Sendable ([ComputeLogLine]) -> Void,
                     notice: @Sendable (String) -> Void) async throws(TenantError) -> Outcome {
        enum Input: Sendable {
            case event(NostrEvent)
            case tick
        }
        let subscription: AsyncStream<RelaySubscriptionEvent>
        do {
            subscription = try pool.subscribe([Filter(authors: [provider], kinds: [ComputeKinds.logChunk], tags: ["p": [key.publicKey.hex]],
                                                      since: Int64(Date().timeIntervalSince1970) - 10)])
        } catch { throw TenantError(.relay, "cannot subscribe: \(error)") }
        let (inputs, feed) = AsyncStream.makeStream(of: Input.self)
        let reader = Task {
            for await item in subscription { if case let .event(event, _) = item { feed.yield(.event(event)) } }
            feed.finish()
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                feed.yield(.tick)
            }
        }
        defer {
            reader.cancel()
            ticker.cancel()
        }
        var follow = LogFollow(follow: options.follow, silence: options.silence, firstAnswer: options.firstAnswer)
        var outcome = Outcome(end: .init(ComputeLogChunk.End.complete))
        func clock() -> Double { Date().timeIntervalSince1970 }
        func ask() async throws(TenantError) {
            let request = ComputeLogRequest(requestID: requestID, provider: provider, follow: options.follow,
                                            since: follow.cursor == nil ? options.since : nil, after: follow.cursor,
                                            tailLines: follow.cursor == nil ? options.tailLines : nil)
            let signed: Result<NostrEvent, ComputeEventError> = Result { () throws(ComputeEventError) in try request.sign(with: key) }
            guard case let .success(event) = signed else { throw TenantError(.request, "cannot sign the log request to the provider") }
            follow.asked(event.id, now: clock())
            let outcomes = await pool.publish(event, timeout: timeout)
            guard outcomes.values.contains(where: \.isSuccess) else {
                throw TenantError(.relay, "no relay took the log request: \(outcomes.map { "\($0.key): \($0.value)" }.joined(separator: "; "))")
            }
        }
        try await ask()
        for await input in inputs {
            var next: LogFollow.Next = .wait
            switch input {
            case .tick:
                next = follow.tick(now: clock())
            case let .event(event):
                guard event.pubkey == provider, let chunk = try? ComputeLogChunk.parse(event, key: key), chunk.tenant == key.publicKey.hex else { continue }
                let step = follow.receive(chunk, now: clock())
                if step.lost > 0 {
                    outcome.lost += step.lost
                    notice("\(step.lost) log chunk(s) did not arrive; some lines are missing")
                }
                if !step.lines.isEmpty {
                    outcome.lines += step.lines.count
                    lines(step.lines)
                }
                next = step.next
            }
            switch next {
            case .wait: continue
            case .askAgain: try await ask()
            case let .askAgainAfter(seconds):
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                try await ask()
            case let .finish(end):
                outcome.end = end
                return outcome
            case .noAnswer:
                throw TenantError(.noProvider, "the provider \(provider.prefix(8))… did not answer the log request within \(Int(options.firstAnswer)) s; "
                    + "it may not serve logs, or its relays differ from yours (--relay)")
            }
            if Task.isCancelled { break }
        }
        return outcome
    }
}
