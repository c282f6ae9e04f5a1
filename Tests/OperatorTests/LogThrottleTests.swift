import XCTest
@testable import Operator

final class LogThrottleTests: XCTestCase {
    func testOneWarningPerIntervalCarriesTheCountOfThoseHeldBack() {
        var throttle = LogThrottle(interval: .seconds(10))
        let start = ContinuousClock.now
        XCTAssertEqual(throttle.admit(at: start), 0)
        for second in 1...9 {
            XCTAssertNil(throttle.admit(at: start + .seconds(second)))
        }
        XCTAssertEqual(throttle.admit(at: start + .seconds(10)), 9)
        XCTAssertNil(throttle.admit(at: start + .seconds(15)))
        XCTAssertEqual(throttle.admit(at: start + .seconds(60)), 1)
        XCTAssertEqual(throttle.admit(at: start + .seconds(70)), 0)
    }
}
