import Foundation
import NostrBridge
import XCTest

/// The log request and log chunk codec (draft §5.4): timestamps compared by value, requests only
/// readable by the provider they are sealed to, chunks bounded in size.
final class ComputeLogTests: XCTestCase {
    typealias F = ComputeFixtures
    let leaseRequest = String(repeating: "ab", count: 32)

    func testTimestampsAreInstantsNotText() throws {
        let a = try XCTUnwrap(ComputeLogTimestamp("2026-01-01T00:00:05.1Z"))
        let b = try XCTUnwrap(ComputeLogTimestamp("2026-01-01T00:00:05.100000000Z"))
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.seconds, 1_767_225_605)
        XCTAssertEqual(a.nanoseconds, 100_000_000)
        XCTAssertLessThan(try XCTUnwrap(ComputeLogTimestamp("2026-01-01T00:00:05.099999999Z")), a)
        XCTAssertLessThan(a, try XCTUnwrap(ComputeLogTimestamp("2026-01-01T00:00:06Z")))
        XCTAssertEqual(ComputeLogTimestamp("2024-02-29T23:59:59Z")?.seconds, 1_709_251_199)
        for bad in ["", "2026-01-01 00:00:05Z", "2026-01-01T00:00:05", "2026-13-01T00:00:05Z", "2025-02-29T00:00:05Z",
                    "2026-01-01T00:00:05.Z", "2026-01-01T00:00:05.1234567890Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:05+01:00"] {
            XCTAssertNil(ComputeLogTimestamp(bad), bad)
        }
        XCTAssertEqual(ComputeLogTimestamp(unixSeconds: 1_767_225_605).text, "2026-01-01T00:00:05Z")
        XCTAssertEqual(ComputeLogTimestamp(unixSeconds: 1_709_251_199).text, "2024-02-29T23:59:59Z")
    }

    func testARequestIsSealedToItsProviderAndReadBack() throws {
        let after = ComputeLogTimestamp("2026-01-01T00:00:52.104331512Z")
        let request = ComputeLogRequest(requestID: leaseRequest, provider: F.provider.publicKey.hex, follow: true, since: 1_767_225_600,
                                        after: after, tailLines: 100)
        let event = try request.sign(with: F.tenant, createdAt: F.t0)
        XCTAssertEqual(event.kind, 25900)
        XCTAssertEqual(event.tags, [["p", F.provider.publicKey.hex], ["encrypted"]], "only p and encrypted are public")
        XCTAssertFalse(event.content.contains(leaseRequest))
        let read = try ComputeLogRequest.parse(event, key: F.provider)
        XCTAssertEqual(read.requestID, leaseRequest)
        XCTAssertTrue(read.follow)
        XCTAssertEqual(read.since, 1_767_225_600)
        XCTAssertEqual(read.after, after)
        XCTAssertEqual(read.tailLines, 100)
        XCTAssertEqual(read.tenant, F.tenant.publicKey.hex)
        XCTAssertEqual(read.id, event.id)
        // Another provider cannot read it: it is not addressed to it.
        XCTAssertThrowsError(try ComputeLogRequest.parse(event, key: F.other))
    }

    func testMalformedRequestsAreRefused() throws {
        func sealed(_ hidden: [[String]], publicTags: [[String]]? = nil) throws -> NostrEvent {
            let content = try NIP44.encrypt(String(decoding: try JSONEncoder().encode(hidden), as: UTF8.self), secretKey: F.tenant, peer: F.provider.publicKey)
            return try EventBuilder(kind: 25900, content: content, tags: publicTags ?? [["p", F.provider.publicKey.hex], ["encrypted"]]).sign(with: F.tenant)
        }
        XCTAssertThrowsError(try ComputeLogRequest.parse(try sealed([["follow", "true"]]), key: F.provider), "no e")
        XCTAssertThrowsError(try ComputeLogRequest.parse(try sealed([["e", "ABC"]]), key: F.provider), "e not an id")
        XCTAssertThrowsError(try ComputeLogRequest.parse(try sealed([["e", leaseRequest], ["follow", "yes"]]), key: F.provider))
        XCTAssertThrowsError(try ComputeLogRequest.parse(try sealed([["e", leaseRequest], ["after", "yesterday"]]), key: F.provider))
        XCTAssertThrowsError(try ComputeLogRequest.parse(try sealed([["e", leaseRequest], ["tail", "10001"]]), key: F.provider))
        XCTAssertThrowsError(try ComputeLogRequest.parse(try sealed([["e", leaseRequest], ["since", "-1"]]), key: F.provider))
        XCTAssertThrowsError(try ComputeLogRequest.parse(try sealed([["e", leaseRequest]], publicTags: [["p", F.provider.publicKey.hex]]), key: F.provider),
                             "not marked encrypted")
        XCTAssertThrowsError(try ComputeLogRequest.parse(
            try sealed([["e", leaseRequest]], publicTags: [["p", F.provider.publicKey.hex], ["p", F.other.publicKey.hex], ["encrypted"]]), key: F.provider),
            "addressed to two providers")
        let nip04 = try NIP04.encrypt(#"[["e","\#(leaseRequest)"]]"#, secretKey: F.tenant, peer: F.provider.publicKey)
        let old = try EventBuilder(kind: 25900, content: nip04, tags: [["p", F.provider.publicKey.hex], ["encrypted"]]).sign(with: F.tenant)
        XCTAssertThrowsError(try ComputeLogRequest.parse(old, key: F.provider), "NIP-04 is not accepted for logs")
        XCTAssertNoThrow(try ComputeLogRequest.parse(try sealed([["e", leaseRequest]]), key: F.provider), "only e is required")
    }

    func testAChunkRoundTripsAndIsBounded() throws {
        let t = try XCTUnwrap(ComputeLogTimestamp("2026-01-01T00:01:29.70012Z"))
        let chunk = ComputeLogChunk(logRequestID: leaseRequest, tenant: F.tenant.publicKey.hex, sequence: 7,
                                    lines: [ComputeLogLine(timestamp: t, text: "héllo \"world\"\u{1}"), ComputeLogLine(timestamp: t, text: "cut", truncated: true)],
                                    end: .init(ComputeLogChunk.End.window, "again"))
        let event = try chunk.sign(with: F.provider)
        XCTAssertEqual(event.kind, 26900)
        XCTAssertEqual(event.tags, [["e", leaseRequest], ["p", F.tenant.publicKey.hex], ["encrypted"]])
        XCTAssertEqual(try ComputeLogChunk.parse(event, key: F.tenant), chunk)
        XCTAssertEqual(try ComputeLogChunk.parse(event, key: F.provider), chunk, "the provider can read its own chunk")
        XCTAssertThrowsError(try ComputeLogChunk.parse(event, key: F.other))

        let big = ComputeLogChunk(logRequestID: leaseRequest, tenant: F.tenant.publicKey.hex, sequence: 0,
                                  lines: Array(repeating: ComputeLogLine(timestamp: t, text: String(repeating: "x", count: 1000)), count: 17))
        XCTAssertThrowsError(try big.sign(with: F.provider), "over 16 KiB of plaintext is never sent")
    }

    func testALongLineIsCutToFitEvenWhenEscapingGrowsIt() throws {
        let t = try XCTUnwrap(ComputeLogTimestamp("2026-01-01T00:01:29Z"))
        for text in [String(repeating: "a", count: 100_000), String(repeating: "\u{1}", count: 20_000), String(repeating: "é\"", count: 20_000)] {
            let line = ComputeLogLine(timestamp: t, text: text).fitting(ComputeLogChunk.maximumLineBytes)
            XCTAssertLessThanOrEqual(line.encodedSize, ComputeLogChunk.maximumLineBytes)
            XCTAssertGreaterThan(line.encodedSize, ComputeLogChunk.maximumLineBytes / 2, "cut near the limit, not far below it")
            XCTAssertTrue(line.truncated)
            XCTAssertTrue(text.hasPrefix(line.text))
        }
        let short = ComputeLogLine(timestamp: t, text: "ok")
        XCTAssertEqual(short.fitting(ComputeLogChunk.maximumLineBytes), short)
        // Chunk overhead leaves room for the longest end text.
        let end = ComputeLogChunk.End(ComputeLogChunk.End.unavailable, String(repeating: "\u{1F600}\"", count: 600))
        let worst = ComputeLogChunk(logRequestID: leaseRequest, tenant: F.tenant.publicKey.hex, sequence: Int(Int32.max), end: end)
        let size = try JSONEncoder().encode(worst.hiddenTags).count
        XCTAssertLessThanOrEqual(size, ComputeLogChunk.overheadBytes)
    }
}
