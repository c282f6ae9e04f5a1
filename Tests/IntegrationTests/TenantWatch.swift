import Foundation
import NIOConcurrencyHelpers
import NostrBridge
import XCTest

/// A running `tenant.py watch`: the provider's answers to one request, as the tenant sees them.
///
/// A readabilityHandler parses the child's JSON lines into a locked list as they arrive. Each
/// answer is handed out once by `next(where:timeout:)`, the earliest unconsumed match first, so
/// tests need not know in which order a 6900 and its 7000 arrive. The child is killed when this
/// object goes away.
final class TenantWatch: @unchecked Sendable {  // `process` is only touched in init and stop()
    private struct State {
        var pending = Data()
        var events: [TenantSeen] = []
        var consumed = Set<Int>()
        var ready = false
        /// The child's last line ("done", "timeout", "closed"), or why its output stopped.
        var ended: String?
        var exitStatus: Int32?
        var stderr = Data()
    }

    private let process = Process()
    private let state = NIOLockedValueBox(State())

    init(python: String, arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let state = self.state
        output.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            guard !chunk.isEmpty else {
                // End of output, not the exit, closes the watch: lines written just before
                // exiting may still be in the pipe when the termination handler runs.
                handle.readabilityHandler = nil
                state.withLockedValue { $0.ended = $0.ended ?? "its output closed, exit status \($0.exitStatus.map(String.init) ?? "unknown")" }
                return
            }
            state.withLockedValue { Self.take(chunk, into: &$0) }
        }
        errors.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty { handle.readabilityHandler = nil }
            state.withLockedValue { $0.stderr = ($0.stderr + chunk).suffix(8192) }
        }
        process.terminationHandler = { process in
            state.withLockedValue { $0.exitStatus = process.terminationStatus }
        }
        try process.run()
    }

    deinit { stop() }

    /// Kills the child (SIGKILL: it holds nothing worth a clean shutdown).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
    }

    /// Every answer seen so far, consumed or not, in arrival order.
    var seen: [TenantSeen] { state.withLockedValue { $0.events } }

    /// Why the child stopped ("timeout", "closed", "exited N"), or nil while it runs.
    var ended: String? { state.withLockedValue { $0.ended } }

    func waitUntilReady(timeout: Duration = .seconds(20)) async throws {
        _ = try await poll(timeout, "the watch's subscription") { state in state.ready ? () : nil }
    }

    /// The earliest answer not yet returned that satisfies `predicate`, waiting up to `timeout`.
    func next(where predicate: (TenantSeen) -> Bool = { _ in true }, timeout: Duration = .seconds(30)) async throws -> TenantSeen {
        try await poll(timeout, "an answer") { state in
            guard let index = state.events.indices.first(where: { !state.consumed.contains($0) && predicate(state.events[$0]) }) else {
                return nil
            }
            state.consumed.insert(index)
            return state.events[index]
        }
    }

    /// The next answer with this status (and kind, when given).
    func next(status: String, kind: Int? = nil, timeout: Duration = .seconds(30)) async throws -> TenantSeen {
        try await next(where: { $0.status == status && (kind == nil || $0.kind == kind) }, timeout: timeout)
    }

    /// Checks `probe` under the lock every 20 ms. Arrival times do not depend on this period:
    /// each answer carries the instant the child received it (`receivedAt`).
    private func poll<T>(_ timeout: Duration, _ what: String, _ probe: (inout State) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (value, ended) = state.withLockedValue { state in (probe(&state), state.ended) }
            if let value { return value }
            if let ended {
                throw TenantWatchError(waitingFor: what, why: "the watch ended (\(ended))", seen: seen, stderr: stderrTail)
            }
            if ContinuousClock.now >= deadline {
                throw TenantWatchError(waitingFor: what, why: "timed out after \(timeout)", seen: seen, stderr: stderrTail)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private var stderrTail: String { state.withLockedValue { String(decoding: $0.stderr, as: UTF8.self) } }

    private struct LineType: Decodable { let type: String }

    private static func take(_ chunk: Data, into state: inout State) {
        state.pending.append(chunk)
        while let newline = state.pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Data(state.pending[state.pending.startIndex..<newline])
            state.pending = Data(state.pending[state.pending.index(after: newline)...])
            guard !line.isEmpty, let type = try? JSONDecoder().decode(LineType.self, from: line).type else { continue }
            switch type {
            case "ready": state.ready = true
            case "event":
                if let seen = try? JSONDecoder().decode(TenantSeen.self, from: line) {
                    state.events.append(seen)
                } else {
                    state.ended = "unreadable line: \(String(decoding: line, as: UTF8.self))"
                }
            default: state.ended = type  // "done", "timeout" or "closed": nothing more will come
            }
        }
    }
}

struct TenantWatchError: Error, CustomStringConvertible {
    let waitingFor: String
    let why: String
    let seen: [TenantSeen]
    let stderr: String

    var description: String {
        // An error's text says why (no-capacity, a bad param…): without it a flaky failure is a guess.
        let statuses = seen.map { answer in
            let why = [answer.statusText, answer.reason].compactMap { $0 }.joined(separator: " ")
            return "\(answer.kind) \(answer.status ?? "-")\(answer.status == "error" && !why.isEmpty ? " (\(why))" : "")"
        }.joined(separator: ", ")
        return "waiting for \(waitingFor): \(why); seen [\(statuses)]\(stderr.isEmpty ? "" : "; stderr: \(stderr)")"
    }
}

/// One 6900 or 7000 as the tenant read it: encrypted content already opened (§4.2), the draft's
/// tags as fields, and the tags themselves (`tags` = public + decrypted, `publicTags` as sent).
struct TenantSeen: Decodable, Sendable {
    struct Endpoint: Decodable, Sendable, Equatable {
        let host: String
        let port: Int?
        let `protocol`: String?
        let name: String?
    }
    struct Mint: Decodable, Sendable, Equatable {
        let url: String
        let unit: String?
    }
    struct Refund: Decodable, Sendable {
        let msats: Int64?
        let token: String?
    }

    let kind: Int
    let id: String
    let pubkey: String
    let createdAt: Int64
    /// Unix time (seconds, fractional) at which the child received it: for latency measurements.
    let receivedAt: Double
    /// The relay it came from live; nil for stored events read at start.
    let relay: String?
    /// "nip44", "nip04" or nil; `decryptError` says why an encrypted one could not be opened.
    let encrypted: String?
    let decryptError: String?
    let status: String?
    let statusText: String?
    let amount: Int64?
    let bolt11: String?
    let tranche: Int?
    let paidUntil: Int64?
    let expiration: Int64?
    let price: Int64?
    let interval: Int64?
    let grace: Int64?
    let duration: Int64?
    let total: Int64?
    let exitCode: Int?
    let rail: String?
    let reason: String?
    let p2pk: String?
    let mints: [Mint]
    let costs: [String: Int64]
    let endpoints: [Endpoint]
    let refund: Refund?
    let tags: [[String]]
    let publicTags: [[String]]
    let content: String

    var receivedDate: Date { Date(timeIntervalSince1970: receivedAt) }

    /// The first tag with this name, public or decrypted.
    func tag(_ name: String) -> [String]? { tags.first { $0.first == name } }

    private enum CodingKeys: String, CodingKey {
        case kind, id, pubkey, relay, encrypted, status, amount, bolt11, tranche, expiration, price, interval, grace
        case duration, total, rail, reason, p2pk, mints, costs, endpoints, refund, tags, content
        case createdAt = "created_at", receivedAt = "received_at", decryptError = "decrypt_error"
        case statusText = "status_text", paidUntil = "paid_until", exitCode = "exit_code", publicTags = "public_tags"
    }
}
