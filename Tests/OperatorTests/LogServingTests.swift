import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
@testable import Operator
import XCTest

/// Serving container logs (draft §5.4), the pure parts: who is answered, how many readers and
/// chunks a second, and how a pod's log becomes bounded chunks.
final class LogServingTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_767_225_600)
    let tenant = SecretKey.generate()
    let provider = SecretKey.generate()
    let requestID = String(repeating: "cd", count: 32)

    private func logRequest(by key: SecretKey? = nil, follow: Bool = false, after: String? = nil) throws -> ComputeLogRequest {
        let event = try ComputeLogRequest(requestID: requestID, provider: provider.publicKey.hex, follow: follow, after: after.flatMap(ComputeLogTimestamp.init))
            .sign(with: key ?? tenant, createdAt: Int64(t0.timeIntervalSince1970))
        return try ComputeLogRequest.parse(event, key: provider)
    }

    private func lease(tenant: String? = nil, phase: LeasePhase?) -> ComputeLease {
        var lease = ComputeLease(name: ComputeLease.name(forRequestEventId: requestID), spec: ComputeLeaseSpec(
            tenantPubkey: tenant ?? self.tenant.publicKey.hex, requestEventId: requestID, relays: [], image: "busybox",
            resources: LeaseResources(cpu: "1", memory: "256Mi"), durationSeconds: 600, pricePerIntervalMsats: 1_000, paymentRail: .lightning))
        lease.status = phase.map { ComputeLeaseStatus(phase: $0) }
        return lease
    }

    // MARK: Authorization

    func testOnlyTheTenantOfAPaidLiveLeaseIsServed() throws {
        let name = ComputeLease.name(forRequestEventId: requestID)
        XCTAssertEqual(LogAuthorization.decide(try logRequest(), lease: lease(phase: .running)),
                       .serve(lease: name, namespace: "ncn-lease-\(name)"))
        XCTAssertEqual(LogAuthorization.decide(try logRequest(), lease: lease(phase: .provisioning)), .serve(lease: name, namespace: "ncn-lease-\(name)"))
        // A stranger gets no answer at all, whether or not the lease exists.
        guard case .ignore = LogAuthorization.decide(try logRequest(by: .generate()), lease: lease(phase: .running)) else { return XCTFail() }
        guard case .ignore = LogAuthorization.decide(try logRequest(), lease: nil) else { return XCTFail() }
        var other = lease(phase: .running)
        other.spec.requestEventId = String(repeating: "ef", count: 32)
        guard case .ignore = LogAuthorization.decide(try logRequest(), lease: other) else { return XCTFail("a lease for another request") }
        // The tenant is told why there is nothing to read.
        for phase: LeasePhase? in [nil, .awaitingPayment, .succeeded, .terminated, .failed, .expired] {
            guard case let .refuse(end) = LogAuthorization.decide(try logRequest(), lease: lease(phase: phase)) else { return XCTFail("\(String(describing: phase))") }
            XCTAssertEqual(end.reason, "unavailable")
        }
    }

    // MARK: Readers and rates

    func testReadersAreCappedPerLeaseByReplacementAndInAllByRefusal() {
        var limits = LogLimits()
        limits.readersPerLease = 2
        limits.readers = 3
        var readers = LogReaders(limits: limits, now: t0)
        XCTAssertEqual(readers.admit(id: "a1", lease: "a", now: t0), .start(replacing: []))
        XCTAssertEqual(readers.admit(id: "a2", lease: "a", now: t0.addingTimeInterval(1)), .start(replacing: []))
        XCTAssertEqual(readers.admit(id: "a3", lease: "a", now: t0.addingTimeInterval(2)), .start(replacing: ["a1"]), "the tenant's newest wins")
        XCTAssertTrue(readers.isReplaced("a1"))
        XCTAssertFalse(readers.isReplaced("a3"))
        XCTAssertEqual(readers.admit(id: "b1", lease: "b", now: t0), .start(replacing: []))
        guard case let .refuse(end) = readers.admit(id: "c1", lease: "c", now: t0) else { return XCTFail("over the total") }
        XCTAssertEqual(end.reason, "busy")
        readers.finish("a1", now: t0)
        readers.finish("b1", now: t0)
        XCTAssertEqual(readers.admit(id: "c2", lease: "c", now: t0), .start(replacing: []))
        XCTAssertEqual(readers.admit(id: "c2", lease: "c", now: t0), .ignore("already seen"), "a replayed request gets nothing")
    }

    func testLogRequestsPerLeaseAreRateLimited() {
        var limits = LogLimits()
        limits.requestsPerMinutePerLease = 3
        var readers = LogReaders(limits: limits, now: t0)
        for i in 0..<3 {
            guard case .start = readers.admit(id: "r\(i)", lease: "a", now: t0) else { return XCTFail() }
            readers.finish("r\(i)", now: t0)
        }
        guard case let .refuse(end) = readers.admit(id: "r3", lease: "a", now: t0) else { return XCTFail() }
        XCTAssertEqual(end.reason, "busy")
        guard case .start = readers.admit(id: "r4", lease: "b", now: t0) else { return XCTFail("another lease has its own budget") }
        guard case .start = readers.admit(id: "r5", lease: "a", now: t0.addingTimeInterval(20)) else { return XCTFail("one more after 20 s") }
    }

    func testChunksAreRatedPerLeaseAndInAll() {
        var limits = LogLimits()
        limits.chunksPerSecondPerLease = 2
        limits.chunkBurstPerLease = 2
        limits.chunksPerSecond = 3
        limits.chunkBurst = 3
        var readers = LogReaders(limits: limits, now: t0)
        XCTAssertEqual(readers.reserveChunk(lease: "a", now: t0), 0)
        XCTAssertEqual(readers.reserveChunk(lease: "a", now: t0), 0)
        XCTAssertEqual(readers.reserveChunk(lease: "a", now: t0), 0.5, accuracy: 0.001, "the lease's burst is spent")
        XCTAssertEqual(readers.reserveChunk(lease: "b", now: t0), 0)
        XCTAssertEqual(readers.reserveChunk(lease: "c", now: t0), 1.0 / 3, accuracy: 0.001, "the total budget is spent")
        XCTAssertEqual(readers.reserveChunk(lease: "a", now: t0.addingTimeInterval(0.5)), 0)
        // Over 10 s, at most the total rate (plus the first burst) goes out, however many leases ask.
        var sent = 0
        var clock = t0.addingTimeInterval(1)
        while clock < t0.addingTimeInterval(11) {
            for lease in ["a", "b", "c", "d"] where readers.reserveChunk(lease: lease, now: clock) == 0 { sent += 1 }
            clock.addTimeInterval(0.05)
        }
        XCTAssertLessThanOrEqual(sent, 3 * 10 + 3)
        XCTAssertGreaterThanOrEqual(sent, 3 * 10 - 1)
    }

    // MARK: Chunks

    private func podLine(_ timestamp: String, _ text: String) -> PodLogLine { PodLogLine(bytes: Array("\(timestamp) \(text)".utf8)) }

    func testLinesBecomeChunksWhenFullOrAfterAPause() throws {
        var answer = LogAnswer(request: try logRequest(), limits: LogLimits(), now: t0)
        XCTAssertEqual(answer.receive(podLine("2026-01-01T00:00:01.5Z", "hello"), now: t0), [])
        XCTAssertEqual(answer.tick(now: t0.addingTimeInterval(0.2)), [], "waits a little for more lines")
        let first = answer.tick(now: t0.addingTimeInterval(0.6))
        XCTAssertEqual(first.count, 1)
        XCTAssertEqual(first.first?.sequence, 0)
        XCTAssertEqual(first.first?.lines.map(\.text), ["hello"])
        XCTAssertEqual(first.first?.lines.first?.timestamp, ComputeLogTimestamp("2026-01-01T00:00:01.5Z"))
        // A flood of lines: every chunk within the bound, numbered in order, every line kept.
        var chunks: [ComputeLogChunk] = []
        for i in 0..<2000 { chunks += answer.receive(podLine("2026-01-01T00:00:02.\(1000 + i)Z", "line \(i) " + String(repeating: "x", count: 100)), now: t0) }
        chunks += answer.streamEnded(now: t0)
        XCTAssertTrue(answer.isFinished)
        XCTAssertEqual(chunks.map(\.sequence), Array(1...chunks.count))
        XCTAssertEqual(chunks.flatMap(\.lines).count, 2000)
        for chunk in chunks {
            let event = try chunk.sign(with: provider)
            let plaintext = try NIP44.decrypt(event.content, secretKey: tenant, peer: provider.publicKey)
            XCTAssertLessThanOrEqual(plaintext.utf8.count, 16 * 1024)
        }
        XCTAssertGreaterThan(chunks[0].lines.count, 50, "chunks are filled, not one line each")
        XCTAssertEqual(chunks.last?.end?.reason, "complete")
    }

    func testTheCursorDropsLinesAlreadySeenAndLongLinesAreCut() throws {
        var answer = LogAnswer(request: try logRequest(after: "2026-01-01T00:00:05.2Z"), limits: LogLimits(), now: t0)
        _ = answer.receive(podLine("2026-01-01T00:00:05.1Z", "old"), now: t0)
        _ = answer.receive(podLine("2026-01-01T00:00:05.200Z", "the cursor itself"), now: t0)
        _ = answer.receive(podLine("2026-01-01T00:00:05.2000001Z", "new"), now: t0)
        _ = answer.receive(PodLogLine(bytes: Array("2026-01-01T00:00:06Z ".utf8) + [UInt8](repeating: 0x22, count: 16_000), cut: true), now: t0)
        let chunks = answer.end(.init("stopped"), now: t0)
        XCTAssertEqual(chunks.count, 1)
        XCTAssertEqual(chunks[0].lines.count, 2)
        XCTAssertEqual(chunks[0].lines.first?.text, "new", "lines at or before the cursor are dropped")
        XCTAssertTrue(chunks[0].lines[1].truncated)
        XCTAssertLessThanOrEqual(chunks[0].lines[1].encodedSize, ComputeLogChunk.maximumLineBytes)
        XCTAssertNoThrow(try chunks[0].sign(with: provider))
        XCTAssertEqual(answer.end(.init("stopped"), now: t0), [], "an answer ends once")
    }

    func testAFollowKeepsAliveEndsAtItsWindowAndReportsWhyTheStreamEnded() throws {
        var limits = LogLimits()
        limits.window = 120
        var answer = LogAnswer(request: try logRequest(follow: true), limits: limits, now: t0)
        XCTAssertEqual(answer.tick(now: t0.addingTimeInterval(10)), [])
        let keepalive = answer.tick(now: t0.addingTimeInterval(30))
        XCTAssertEqual(keepalive.count, 1)
        XCTAssertEqual(keepalive.first?.lines, [])
        XCTAssertNil(keepalive.first?.end)
        let last = answer.tick(now: t0.addingTimeInterval(120))
        XCTAssertEqual(last.first?.end?.reason, "window")
        XCTAssertEqual(last.first?.sequence, 1)

        var stopped = LogAnswer(request: try logRequest(follow: true), limits: limits, now: t0)
        XCTAssertEqual(stopped.streamEnded(now: t0).first?.end?.reason, "stopped", "a follow's stream ends when the container stops")
        limits.bytesPerAnswer = 100
        var limited = LogAnswer(request: try logRequest(follow: true), limits: limits, now: t0)
        _ = limited.receive(podLine("2026-01-01T00:00:05Z", String(repeating: "y", count: 100)), now: t0)
        let end = limited.streamEnded(now: t0)
        XCTAssertEqual(end.first?.end?.reason, "limit")
        XCTAssertEqual(end.first?.lines.count, 1, "the pending lines go out with the end")
    }

    func testALineCutByTheByteLimitIsLeftForTheNextAnswer() throws {
        var limits = LogLimits()
        limits.bytesPerAnswer = 57  // exactly what the two reads below take
        var answer = LogAnswer(request: try logRequest(), limits: limits, now: t0)
        _ = answer.receive(podLine("2026-01-01T00:00:05Z", "whole"), now: t0)
        _ = answer.receive(PodLogLine(bytes: Array("2026-01-01T00:00:06Z the begin".utf8), unterminated: true), now: t0)
        let limited = answer.streamEnded(now: t0)
        XCTAssertEqual(limited.last?.end?.reason, "limit")
        XCTAssertEqual(limited.flatMap(\.lines).map(\.text), ["whole"], "the cursor stays before the cut line")

        var ended = LogAnswer(request: try logRequest(), limits: LogLimits(), now: t0)
        _ = ended.receive(PodLogLine(bytes: Array("2026-01-01T00:00:06Z no newline at the end".utf8), unterminated: true), now: t0)
        XCTAssertEqual(ended.streamEnded(now: t0).flatMap(\.lines).map(\.text), ["no newline at the end"], "under the limit it is the last line")
    }

    func testALineWithoutATimestampTakesThePreviousOne() throws {
        var answer = LogAnswer(request: try logRequest(), limits: LogLimits(), now: t0)
        _ = answer.receive(podLine("2026-01-01T00:00:05Z", "first"), now: t0)
        _ = answer.receive(PodLogLine(bytes: Array("no timestamp here".utf8)), now: t0)
        let lines = answer.end(.init("complete"), now: t0).flatMap(\.lines)
        XCTAssertEqual(lines.map(\.text), ["first", "no timestamp here"])
        XCTAssertEqual(lines.map(\.timestamp.text), ["2026-01-01T00:00:05Z", "2026-01-01T00:00:05Z"])
    }
}
