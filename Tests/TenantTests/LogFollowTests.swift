import NostrBridge
import Tenant
import XCTest

/// The client's side of reading logs: lines printed once across answers, lost chunks counted,
/// and what to do at each end and after a silence.
final class LogFollowTests: XCTestCase {
    let tenant = String(repeating: "aa", count: 32)

    private func chunk(_ id: String, _ seq: Int, _ stamps: [String], end: String? = nil) -> ComputeLogChunk {
        ComputeLogChunk(logRequestID: id, tenant: tenant, sequence: seq,
                        lines: stamps.map { ComputeLogLine(timestamp: ComputeLogTimestamp($0)!, text: "at \($0)") }, end: end.map { .init($0) })
    }

    func testAFollowResumesFromItsCursorWithoutRepeatingALine() {
        var follow = LogFollow(follow: true)
        follow.asked("r1", now: 0)
        var step = follow.receive(chunk("r1", 0, ["2026-01-01T00:00:01Z", "2026-01-01T00:00:02.5Z"]), now: 1)
        XCTAssertEqual(step.lines.count, 2)
        XCTAssertEqual(follow.cursor, ComputeLogTimestamp("2026-01-01T00:00:02.5Z"))
        step = follow.receive(chunk("r1", 1, ["2026-01-01T00:00:03Z"], end: "window"), now: 2)
        XCTAssertEqual(step.next, .askAgain, "the window is over: ask again from the cursor")
        XCTAssertEqual(follow.cursor, ComputeLogTimestamp("2026-01-01T00:00:03Z"))
        follow.asked("r2", now: 3)
        // A late chunk of the old answer is not the current one.
        XCTAssertEqual(follow.receive(chunk("r1", 2, ["2026-01-01T00:00:09Z"]), now: 3), LogFollow.Step())
        // The new answer starts a second early (whole seconds): what was printed is not printed again.
        step = follow.receive(chunk("r2", 0, ["2026-01-01T00:00:02.5Z", "2026-01-01T00:00:03Z", "2026-01-01T00:00:03.000000001Z"]), now: 4)
        XCTAssertEqual(step.lines.map(\.timestamp.text), ["2026-01-01T00:00:03.000000001Z"])
        step = follow.receive(chunk("r2", 1, [], end: "stopped"), now: 5)
        XCTAssertEqual(step.next, .finish(.init("stopped")))
    }

    func testLostChunksAreCountedAndDuplicatesIgnored() {
        var follow = LogFollow(follow: false)
        follow.asked("r", now: 0)
        XCTAssertEqual(follow.receive(chunk("r", 0, ["2026-01-01T00:00:01Z"]), now: 1).lost, 0)
        let step = follow.receive(chunk("r", 3, ["2026-01-01T00:00:04Z"]), now: 1)
        XCTAssertEqual(step.lost, 2)
        XCTAssertEqual(step.lines.count, 1)
        XCTAssertEqual(follow.receive(chunk("r", 3, ["2026-01-01T00:00:05Z"]), now: 1), LogFollow.Step(), "a chunk seen twice counts once")
        XCTAssertEqual(follow.receive(chunk("r", 4, [], end: "complete"), now: 1).next, .finish(.init("complete")))
    }

    func testSilenceAsksAgainThenGivesUp() {
        var follow = LogFollow(follow: true, silence: 75, firstAnswer: 15)
        follow.asked("r1", now: 0)
        XCTAssertEqual(follow.tick(now: 14), .wait)
        XCTAssertEqual(follow.tick(now: 15), .noAnswer, "nothing at all from the provider")

        follow = LogFollow(follow: true, silence: 75, firstAnswer: 15)
        follow.asked("r1", now: 0)
        _ = follow.receive(chunk("r1", 0, []), now: 1)
        XCTAssertEqual(follow.tick(now: 75), .wait, "keepalives come every 30 s")
        XCTAssertEqual(follow.tick(now: 76), .askAgain, "quiet for too long: the provider restarted")
        follow.asked("r2", now: 76)
        XCTAssertEqual(follow.tick(now: 90), .wait)
        XCTAssertEqual(follow.tick(now: 91), .askAgain)
        follow.asked("r3", now: 91)
        XCTAssertEqual(follow.tick(now: 106), .askAgain)
        follow.asked("r4", now: 106)
        XCTAssertEqual(follow.tick(now: 121), .noAnswer, "three requests unanswered: give up")
    }

    func testEndsTheClientStopsAt() {
        for (reason, next) in [("complete", LogFollow.Next.finish(.init("complete"))), ("limit", .askAgain), ("busy", .finish(.init("busy"))),
                               ("unavailable", .finish(.init("unavailable"))), ("something-new", .finish(.init("something-new")))] {
            var follow = LogFollow(follow: false)
            follow.asked("r", now: 0)
            XCTAssertEqual(follow.receive(chunk("r", 0, [], end: reason), now: 1).next, next, reason)
        }
        var waiting = LogFollow(follow: true)
        waiting.asked("r", now: 0)
        XCTAssertEqual(waiting.receive(chunk("r", 0, [], end: "starting"), now: 1).next, .askAgainAfter(5), "a follow waits for the pull, no faster than the provider refills its request budget")
        var once = LogFollow(follow: false)
        once.asked("r", now: 0)
        XCTAssertEqual(once.receive(chunk("r", 0, [], end: "starting"), now: 1).next, .finish(.init("starting")))
    }
}
