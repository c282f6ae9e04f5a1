import Foundation
import NostrBridge
import XCTest
@testable import Tenant

/// An instant of a fake clock: seconds the test sets by hand.
struct FakeInstant: InstantProtocol {
    var offset: Duration
    func advanced(by duration: Duration) -> FakeInstant { FakeInstant(offset: offset + duration) }
    func duration(to other: FakeInstant) -> Duration { other.offset - offset }
    static func < (lhs: FakeInstant, rhs: FakeInstant) -> Bool { lhs.offset < rhs.offset }
}

/// A value shared with a probe closure.
final class Box<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&stored) } }
}

/// A clock the test moves: `now` only changes when told to.
final class FakeClock: @unchecked Sendable {
    private(set) var now = FakeInstant(offset: .zero)
    func advance(_ duration: Duration) { now = now.advanced(by: duration) }
}

final class UptimeMeterTests: XCTestCase {
    func testUpTimeIsTheSpansBetweenAnsweredProbes() {
        let clock = FakeClock()
        var meter = UptimeMeter<FakeInstant>()
        XCTAssertNil(meter.fraction, "nothing observed yet")
        meter.record(true, at: clock.now)
        XCTAssertNil(meter.fraction, "one probe spans no time")
        for _ in 0..<9 {
            clock.advance(.seconds(10))
            meter.record(true, at: clock.now)
        }
        XCTAssertEqual(meter.fraction, 1)
        XCTAssertEqual(meter.tagValue, "1")
        // One failed probe: the 10 s before it and the 10 s after it count as down.
        clock.advance(.seconds(10))
        meter.record(false, at: clock.now)
        clock.advance(.seconds(10))
        meter.record(true, at: clock.now)
        XCTAssertEqual(meter.observed, .seconds(110))
        XCTAssertEqual(meter.up, .seconds(90))
        XCTAssertEqual(meter.tagValue, "0.818", "90/110, rounded down: never better than seen")
        XCTAssertEqual(meter.probes, 12)
        XCTAssertEqual(meter.failures, 1)
    }

    func testAGapLongerThanMaxGapIsNotObservedAndOutOfOrderProbesAddNothing() {
        let clock = FakeClock()
        var meter = UptimeMeter<FakeInstant>(maxGap: .seconds(60))
        meter.record(true, at: clock.now)
        clock.advance(.seconds(30))
        meter.record(true, at: clock.now)
        clock.advance(.seconds(600))  // the laptop slept
        meter.record(false, at: clock.now)
        XCTAssertEqual(meter.observed, .seconds(30))
        meter.record(true, at: FakeInstant(offset: .seconds(1)))
        XCTAssertEqual(meter.observed, .seconds(30))
        clock.advance(.seconds(30))
        meter.record(true, at: clock.now)
        XCTAssertEqual(meter.observed, .seconds(60))
        XCTAssertEqual(meter.up, .seconds(30))
        XCTAssertEqual(meter.tagValue, "0.5")
    }

    func testFormat() {
        XCTAssertEqual(UptimeMeter<FakeInstant>.format(0.9987), "0.998")
        XCTAssertEqual(UptimeMeter<FakeInstant>.format(0.05), "0.05")
        XCTAssertEqual(UptimeMeter<FakeInstant>.format(0), "0")
        XCTAssertEqual(UptimeMeter<FakeInstant>.format(0.0004), "0")
        XCTAssertEqual(UptimeMeter<FakeInstant>.format(1.5), "1")
    }

    func testTheWatchProbesOnlyTCPEndpointsOnceRunningAndStops() async throws {
        let probed = Box<[Int]>([])
        let watch = UptimeWatch(interval: .milliseconds(20)) { endpoint in
            probed.withLock { $0.append(endpoint.port) }
            return endpoint.port != 9
        }
        let task = Task { await watch.run() }
        try await Task.sleep(for: .milliseconds(60))
        XCTAssertEqual(probed.value, [], "nothing to probe before running")
        watch.running([ComputeEndpoint(host: "127.0.0.1", port: 8080, protocol: .tcp), ComputeEndpoint(host: "127.0.0.1", port: 53, protocol: .udp)])
        try await Task.sleep(for: .milliseconds(200))
        watch.stop()
        await task.value
        XCTAssertFalse(probed.value.isEmpty)
        XCTAssertEqual(Set(probed.value), [8080], "UDP is not probed")
        XCTAssertEqual(watch.meter.fraction, 1)
    }

    func testARealTCPProbe() async throws {
        // A listening socket answers; a closed port does not.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        listen(fd, 4)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let open = await EndpointProbe.answers(host: "127.0.0.1", port: port, timeout: .seconds(2))
        XCTAssertTrue(open)
        close(fd)
        let closed = await EndpointProbe.answers(host: "127.0.0.1", port: port, timeout: .seconds(2))
        XCTAssertFalse(closed)
    }
}

final class LeaseRatingTests: XCTestCase {
    let request = String(repeating: "5", count: 64)

    func testTheRatingIsTheDraftsKind7900AndCountsInTheReputation() throws {
        let tenant = SecretKey.generate(), provider = SecretKey.generate()
        let rating = LeaseRating(requestID: request, provider: provider.publicKey.hex, stars: 4, uptime: try LeaseRating.uptime("0.9987"),
                                 review: "up all along", reports: [["overbilling", "asked twice for tranche 2"]], offerIdentifier: "eu-central-1")
        let event = try rating.event(key: tenant)
        XCTAssertNoThrow(try event.validate(now: event.createdAt))
        XCTAssertEqual(event.kind, 7900)
        XCTAssertEqual(event.tags, [["e", request], ["p", provider.publicKey.hex], ["rating", "4"], ["uptime", "0.998"],
                                    ["report", "overbilling", "asked twice for tranche 2"], ["a", "31900:\(provider.publicKey.hex):eu-central-1"]])
        XCTAssertEqual(event.content, "up all along")
        // Read back as ncn offers reads it.
        let parsed = try ComputeRating.parse(event)
        let record = RatingRecord(author: event.pubkey, provider: parsed.provider, requestID: parsed.requestID, stars: try XCTUnwrap(parsed.rating),
                                  createdAt: event.createdAt)
        let reputation = Reputation.score(provider: provider.publicKey.hex, ratings: [record],
                                          answered: [AnsweredRequest(provider: provider.publicKey.hex, requestID: request)],
                                          distances: [tenant.publicKey.hex: 0])
        XCTAssertEqual(reputation.raters, 1)
        XCTAssertEqual(reputation.answered, 1)
        XCTAssertEqual(reputation.ratersByCloseness, [.you: 1])
        XCTAssertEqual(reputation.score, 3.5, accuracy: 0.0001, "(3 prior + 4) / 2")
    }

    func testBadInputIsRefusedBeforeSigning() {
        let key = SecretKey.generate()
        let provider = SecretKey.generate().publicKey.hex
        for stars in [0, 6] {
            XCTAssertThrowsError(try LeaseRating(requestID: request, provider: provider, stars: stars).event(key: key))
        }
        XCTAssertThrowsError(try LeaseRating(requestID: request, provider: provider, stars: 3, reports: [["only-a-category"]]).event(key: key))
        for text in ["1.5", "-0.1", "1e-3", "abc", "", " 0.9"] { XCTAssertThrowsError(try LeaseRating.uptime(text), text) }
        XCTAssertEqual(try LeaseRating.uptime("1"), "1")
        XCTAssertEqual(try LeaseRating.uptime("0.95"), "0.95")
    }
}

final class LeaseBookTests: XCTestCase {
    func testRecordsAreKeptMode600ReplacedByIdAndBounded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-book-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var book = LeaseBook(paths: TenantPaths(directory: directory))
        book.limit = 3
        XCTAssertEqual(try book.records(), [])
        for index in 0..<4 {
            try book.save(LeaseRecord(request: String(repeating: String(index), count: 64), provider: String(repeating: "e", count: 64),
                                      image: "busybox", createdAt: Int64(index), maxPriceMsats: 1000, relays: ["ws://127.0.0.1:1"]))
        }
        XCTAssertEqual(try book.records().map(\.createdAt), [1, 2, 3], "the oldest dropped past the limit")
        try book.setUptime("0.99", of: String(repeating: "2", count: 64))
        XCTAssertEqual(try book.record(String(repeating: "2", count: 64))?.uptime, "0.99")
        XCTAssertEqual(try book.records().map(\.createdAt), [1, 3, 2], "replaced, now newest")
        let mode = try FileManager.default.attributesOfItem(atPath: book.file.path)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
    }
}

final class LeaseMachineResumeTests: XCTestCase {
    func testAResumedLeaseDoesNotPayCreditedTranchesAgainAndPaysTheNext() {
        let provider = String(repeating: "e", count: 64)
        let context = ComputeReplyContext(requestID: String(repeating: "0", count: 64), tenant: String(repeating: "a", count: 64))
        let bid = ComputeBid(pricePerIntervalMsats: Invoices.coffeeMsats, intervalSeconds: 10, graceSeconds: 3, durationSeconds: 30, expiresAt: 0, rail: .lightning)
        var machine = LeaseMachine(provider: provider, budgetMsats: 3 * Invoices.coffeeMsats, resuming: bid, paidTranches: 2,
                                   paidMsats: 2 * Invoices.coffeeMsats)
        func invoice(_ tranche: Int) -> LeaseMachine.Input {
            var feedback = ComputeFeedback(context: context, status: .paymentRequired)
            feedback.amountMsats = Invoices.coffeeMsats
            feedback.bolt11 = Invoices.coffee
            feedback.tranche = tranche
            return .answer(.feedback(feedback, author: provider, eventID: UUID().uuidString), now: Invoices.issuedAt)
        }
        XCTAssertEqual(machine.handle(.answer(.result(.bid(context, bid), author: provider, eventID: "b"), now: Invoices.issuedAt)), [],
                       "the bid read again says nothing")
        XCTAssertEqual(machine.handle(invoice(0)), [])
        XCTAssertEqual(machine.handle(invoice(1)), [])
        XCTAssertEqual(machine.handle(invoice(2)).last, .pay(bolt11: Invoices.coffee, msats: Invoices.coffeeMsats, tranche: 2))
        _ = machine.handle(.paid(tranche: 2, msats: Invoices.coffeeMsats))
        XCTAssertEqual(machine.totalPaidMsats, 3 * Invoices.coffeeMsats)
        XCTAssertEqual(machine.handle(.bidWaitOver(seconds: 60)), [], "the bid is known: no no-bid ending")
    }
}
