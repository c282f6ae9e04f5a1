import Operator
import XCTest

/// The offer schedule on invented instants: `t(s)` is s seconds after an arbitrary start.
final class OfferScheduleTests: XCTestCase {
    private typealias Schedule = OfferSchedule<String, ManualClock.Instant>
    private let timing = OfferTiming(debounce: .seconds(5), maxDelay: .seconds(30), refresh: .seconds(1800), ttl: .seconds(7200), retry: .seconds(10))

    private func t(_ seconds: Double) -> ManualClock.Instant { ManualClock.Instant(offset: .milliseconds(Int64(seconds * 1000))) }

    /// A schedule whose content "a" went out at `at`.
    private func publishedSchedule(_ content: String = "a", at seconds: Double = 0) -> Schedule {
        var schedule = Schedule(timing: timing)
        schedule.observe(content, at: t(seconds))
        schedule.published(content, at: t(seconds))
        return schedule
    }

    func testNothingIsPublishedBeforeThereIsAnOffer() {
        var schedule = Schedule(timing: timing)
        XCTAssertEqual(schedule.decision(at: t(0)), .wait(until: nil))
        schedule.observe(nil, at: t(1))
        XCTAssertEqual(schedule.decision(at: t(100)), .wait(until: nil))
    }

    func testTheFirstOfferGoesOutAtOnceWithoutDebounce() {
        var schedule = Schedule(timing: timing)
        schedule.observe("a", at: t(3))
        XCTAssertEqual(schedule.decision(at: t(3)), .publish(.initial))
        schedule.published("a", at: t(3))
        XCTAssertEqual(schedule.published, "a")
        XCTAssertEqual(schedule.decision(at: t(3)), .wait(until: t(1803)), "next: the periodic refresh")
    }

    func testUnchangedContentIsOnlyRefreshedPeriodically() {
        var schedule = publishedSchedule()
        for second in stride(from: 1.0, to: 1800, by: 97) {
            schedule.observe("a", at: t(second))
            XCTAssertEqual(schedule.decision(at: t(second)), .wait(until: t(1800)))
        }
        XCTAssertEqual(schedule.decision(at: t(1800)), .publish(.refresh))
        schedule.published("a", at: t(1801))
        XCTAssertEqual(schedule.decision(at: t(1801)), .wait(until: t(3601)), "the period restarts from the last publish")
    }

    func testAChangeIsPublishedOnceItHasBeenQuietForTheDebounce() {
        var schedule = publishedSchedule()
        schedule.observe("b", at: t(100))
        XCTAssertEqual(schedule.decision(at: t(100)), .wait(until: t(105)))
        XCTAssertEqual(schedule.decision(at: t(104.9)), .wait(until: t(105)))
        XCTAssertEqual(schedule.decision(at: t(105)), .publish(.changed))
        schedule.published("b", at: t(105))
        XCTAssertEqual(schedule.decision(at: t(105)), .wait(until: t(1905)))
    }

    func testABurstOfChangesPublishesOnceWithTheLastContent() {
        var schedule = publishedSchedule()
        for (index, second) in [100.0, 101, 102.5, 104, 106].enumerated() {
            schedule.observe("v\(index)", at: t(second))
            XCTAssertEqual(schedule.decision(at: t(second)), .wait(until: t(second + 5)), "each change restarts the debounce")
        }
        XCTAssertEqual(schedule.decision(at: t(111)), .publish(.changed))
        XCTAssertEqual(schedule.current, "v4")
    }

    func testAContinuousStreamOfChangesIsPublishedNoLaterThanTheMaximumDelay() {
        var schedule = publishedSchedule()
        var second = 100.0
        var published: [Double] = []
        // A change every 2 s for two minutes: the debounce alone would never fire.
        while second < 220 {
            schedule.observe("v\(second)", at: t(second))
            if case .publish(.changed) = schedule.decision(at: t(second)) {
                published.append(second)
                schedule.published(schedule.current!, at: t(second))
            }
            second += 2
        }
        // 100 → 130; the content published at 130 changes again at 132 → 162; and so on.
        XCTAssertEqual(published, [130, 162, 194], "30 s after the first unpublished change")
    }

    func testAChangeThatRevertsBeforeTheDebouncePublishesNothing() {
        var schedule = publishedSchedule()
        schedule.observe("b", at: t(100))
        schedule.observe("a", at: t(102))
        XCTAssertEqual(schedule.decision(at: t(110)), .wait(until: t(1800)))
        XCTAssertEqual(schedule.decision(at: t(1800)), .publish(.refresh))
    }

    func testARefreshDueDuringADebounceCarriesTheChange() {
        var schedule = publishedSchedule()
        schedule.observe("b", at: t(1798))
        XCTAssertEqual(schedule.decision(at: t(1798)), .wait(until: t(1800)), "the refresh comes before the debounce ends")
        XCTAssertEqual(schedule.decision(at: t(1800)), .publish(.changed), "it publishes the new content")
    }

    func testAFailureIsRetriedAfterTheRetryDelay() {
        var schedule = Schedule(timing: timing)
        schedule.observe("a", at: t(0))
        XCTAssertEqual(schedule.decision(at: t(0)), .publish(.initial))
        schedule.failed(at: t(0))
        XCTAssertEqual(schedule.decision(at: t(5)), .wait(until: t(10)))
        XCTAssertEqual(schedule.decision(at: t(10)), .publish(.initial), "still the first offer")
        schedule.failed(at: t(10))
        schedule.observe("b", at: t(12))
        XCTAssertEqual(schedule.decision(at: t(12)), .wait(until: t(20)), "a change does not bypass the retry delay")
        XCTAssertEqual(schedule.decision(at: t(20)), .publish(.initial))
        schedule.published("b", at: t(20))
        XCTAssertEqual(schedule.decision(at: t(20)), .wait(until: t(1820)))
    }

    func testAFailedRefreshIsRetriedUntilItGoesOut() {
        var schedule = publishedSchedule()
        XCTAssertEqual(schedule.decision(at: t(1800)), .publish(.refresh))
        schedule.failed(at: t(1800))
        XCTAssertEqual(schedule.decision(at: t(1805)), .wait(until: t(1810)))
        XCTAssertEqual(schedule.decision(at: t(1810)), .publish(.refresh))
        schedule.published("a", at: t(1810))
        XCTAssertEqual(schedule.decision(at: t(1810)), .wait(until: t(3610)))
    }

    func testWithNothingToOfferNothingIsPublishedAndTheOldOfferLapses() {
        var schedule = publishedSchedule()
        schedule.observe(nil, at: t(10))
        XCTAssertEqual(schedule.decision(at: t(5000)), .wait(until: nil))
        schedule.observe("a", at: t(5000))
        XCTAssertEqual(schedule.decision(at: t(5000)), .publish(.refresh), "the same offer again, long overdue for renewal")
        schedule.observe("b", at: t(5000))
        XCTAssertEqual(schedule.decision(at: t(5000)), .publish(.changed), "a change after the offer lapsed is not debounced either")
        schedule.published("b", at: t(5000))
        schedule.observe(nil, at: t(6000))
        schedule.observe("c", at: t(6001))
        XCTAssertEqual(schedule.decision(at: t(6001)), .wait(until: t(6006)))
    }

    func testAChangeDuringAPublishIsStillPublished() {
        var schedule = publishedSchedule()
        schedule.observe("b", at: t(100))
        XCTAssertEqual(schedule.decision(at: t(105)), .publish(.changed))
        // The content moved on while "b" was on its way.
        schedule.observe("c", at: t(105.5))
        schedule.published("b", at: t(106))
        XCTAssertEqual(schedule.published, "b")
        XCTAssertEqual(schedule.decision(at: t(106)), .wait(until: t(110.5)))
        XCTAssertEqual(schedule.decision(at: t(110.5)), .publish(.changed))
    }

    func testTheOfferNeverLapsesWhileRunning() {
        // Random changes at random moments; the caller wakes at each due time and publishes.
        var schedule = publishedSchedule()
        var generator = SystemRandomNumberGenerator()
        var publishes = [0.0]
        var second = 0.0
        while second < 50_000 {
            second += Double(Int.random(in: 1...400, using: &generator))
            while let due = schedule.nextPublish, due <= t(second) {
                let at = Double(due.offset.components.seconds) + Double(due.offset.components.attoseconds) / 1e18
                schedule.published(schedule.current!, at: due)
                publishes.append(at)
            }
            schedule.observe(["a", "b", "c"].randomElement(using: &generator)!, at: t(second))
        }
        let gaps = zip(publishes.dropFirst(), publishes).map { $0 - $1 }
        XCTAssertLessThanOrEqual(gaps.max() ?? 0, 1800, "renewed at least every refresh, well within the 2 h expiration")
        XCTAssertGreaterThanOrEqual(gaps.min() ?? 0, 5, "never faster than the debounce")
    }

    func testTimingKeepsRefreshWithinTheExpirationAndMaxDelayAboveTheDebounce() {
        let odd = OfferTiming(debounce: .seconds(10), maxDelay: .seconds(3), refresh: .seconds(7200), ttl: .seconds(3600))
        XCTAssertEqual(odd.refresh, .seconds(1800))
        XCTAssertEqual(odd.maxDelay, .seconds(10))
        let defaults = OfferTiming()
        XCTAssertEqual(defaults.debounce, .seconds(5))
        XCTAssertEqual(defaults.maxDelay, .seconds(30))
        XCTAssertEqual(defaults.refresh, .seconds(1800))
        XCTAssertEqual(defaults.ttl, .seconds(7200))
    }
}
