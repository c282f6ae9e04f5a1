import Foundation
import NIOConcurrencyHelpers
import XCTest

@testable import NostrBridge

/// `RelayPool` fan-out, de-duplication and EOSE aggregation, against two `MockRelay`s.
final class RelayPoolTests: XCTestCase {
    let configuration = RelayPoolConfiguration(
        connection: RelayConnectionConfiguration(
            backoff: RelayBackoff(initialDelay: .milliseconds(50), maximumDelay: .milliseconds(200), jitter: 0),
            publishTimeout: .seconds(5),
            closeTimeout: .milliseconds(500)))

    func testDeduplicatesAcrossRelaysAndWaitsForEveryConnectedRelaysEOSE() async throws {
        let (e1, e2, e3) = (self.event(1), self.event(2), self.event(3))
        let fast = try await MockRelay.start { message, _ in
            guard case .req(let id, _) = message else { return [] }
            return [.event(subscriptionID: id, event: e1), .event(subscriptionID: id, event: e2), .endOfStoredEvents(subscriptionID: id)]
        }
        // Sends its stored event but holds its EOSE back until the test says so.
        let slow = try await MockRelay.start { message, _ in
            guard case .req(let id, _) = message else { return [] }
            return [.event(subscriptionID: id, event: e1)]
        }
        let pool = try RelayPool(relays: [fast.url, slow.url], configuration: self.configuration, verifier: { _ in true })
        let recorder = RelayPoolRecorder()
        try await withRunningPool(pool) {
            try await relayWaitUntil("both connected") {
                pool.health().relays.values.allSatisfy { $0.state == .connected }
            }
            try await recorder.record(try pool.subscribe([Filter(kinds: [1])])) {
                try await relayWaitUntil("stored events") { recorder.ids == [e1.id, e2.id] && pool.health().duplicatesSuppressed == 1 }
                XCTAssertFalse(recorder.sawEndOfStoredEvents, "the slow relay has not sent EOSE yet")

                guard case .req(let id, _) = slow.received.first else { return XCTFail("no REQ at the slow relay") }
                slow.send(.endOfStoredEvents(subscriptionID: id))
                try await relayWaitUntil("EOSE") { recorder.sawEndOfStoredEvents }

                // A live event from both relays arrives once.
                fast.send(.event(subscriptionID: id, event: e3))
                slow.send(.event(subscriptionID: id, event: e3))
                try await relayWaitUntil("live event") { recorder.ids.count == 3 && pool.health().duplicatesSuppressed == 2 }
                XCTAssertEqual(recorder.elements.map(\.label), ["e:\(e1.id)", "e:\(e2.id)", "EOSE", "e:\(e3.id)"])
            }
            // Ending the iteration closed the subscription on both relays.
            try await relayWaitUntil("CLOSE sent") {
                fast.received.contains { if case .close = $0 { true } else { false } }
                    && slow.received.contains { if case .close = $0 { true } else { false } }
            }
            XCTAssertEqual(pool.health().activeSubscriptions, 0)
            XCTAssertEqual(pool.health().eventsDelivered, 3)
        }
        try await fast.stop()
        try await slow.stop()
    }

    func testEOSEDoesNotWaitForADisconnectedRelay() async throws {
        let answering = try await MockRelay.start { message, _ in
            guard case .req(let id, _) = message else { return [] }
            return [.endOfStoredEvents(subscriptionID: id)]
        }
        let silent = try await MockRelay.start { _, _ in [] }
        let pool = try RelayPool(relays: [answering.url, silent.url], configuration: self.configuration, verifier: { _ in true })
        let recorder = RelayPoolRecorder()
        try await withRunningPool(pool) {
            try await relayWaitUntil("both connected") {
                pool.health().relays.values.allSatisfy { $0.state == .connected }
            }
            try await recorder.record(try pool.subscribe([Filter()])) {
                try await relayWaitUntil("REQ at the silent relay") { !silent.received.isEmpty }
                try await Task.sleep(for: .milliseconds(100))
                XCTAssertFalse(recorder.sawEndOfStoredEvents, "the silent relay is connected, so EOSE waits for it")
                try await silent.stop()
                try await relayWaitUntil("EOSE once the silent relay is gone") { recorder.sawEndOfStoredEvents }
            }
        }
        try await answering.stop()
    }

    func testPublishReportsEveryRelay() async throws {
        let accepting = try await MockRelay.start { message, _ in
            guard case .event(let event) = message else { return [] }
            return [.ok(eventID: event.id, accepted: true, message: "")]
        }
        let blocking = try await MockRelay.start { message, _ in
            guard case .event(let event) = message else { return [] }
            return [.ok(eventID: event.id, accepted: false, message: "blocked: not today")]
        }
        let unreachable = try await MockRelay.unusedURL()
        let pool = try RelayPool(
            relays: [accepting.url, blocking.url, unreachable, accepting.url], configuration: self.configuration, verifier: { _ in true })
        XCTAssertEqual(pool.relayURLs, [accepting.url, blocking.url, unreachable], "duplicates are ignored")
        try await withRunningPool(pool) {
            let outcomes = await pool.publish(self.event(1), timeout: .milliseconds(500))
            XCTAssertEqual(outcomes[accepting.url], .accepted(""))
            XCTAssertEqual(outcomes[blocking.url], .rejected("blocked: not today"))
            guard case .failed(let error) = outcomes[unreachable] else { return XCTFail("\(outcomes)") }
            XCTAssertEqual(error.code, .timeout)
        }
        try await accepting.stop()
        try await blocking.stop()
    }

    func testStoppingThePoolFinishesSubscriptionsAndFailsPublishes() async throws {
        let pool = try RelayPool(relays: [try await MockRelay.unusedURL()], configuration: self.configuration, verifier: { _ in true })
        let stream = try pool.subscribe([Filter()])
        try await withRunningPool(pool) {
            try await relayWaitUntil("subscribed") { pool.health().activeSubscriptions == 1 }
        }
        var iterator = stream.makeAsyncIterator()
        let next = await iterator.next()
        XCTAssertNil(next, "the stream finished when the pool stopped")
        let outcomes = await pool.publish(self.event(1))
        XCTAssertEqual(outcomes.values.first, .failed(RelayConnectionStateMachine.closedError))
        let late = try pool.subscribe([Filter()])
        var lateIterator = late.makeAsyncIterator()
        let lateNext = await lateIterator.next()
        XCTAssertNil(lateNext, "subscribing to a stopped pool yields a finished stream")
        XCTAssertThrowsError(try pool.subscribe([]))
        XCTAssertThrowsError(try RelayPool(relays: ["https://not-a-relay"]))
    }

    func testSlowConsumerLosesTheOldestEventsNotMemory() async throws {
        let events = (1...20).map { self.event($0) }
        let relay = try await MockRelay.start { message, _ in
            guard case .req(let id, _) = message else { return [] }
            return events.map { .event(subscriptionID: id, event: $0) } + [.endOfStoredEvents(subscriptionID: id)]
        }
        var configuration = self.configuration
        configuration.subscriptionBufferSize = 5
        let pool = try RelayPool(relays: [relay.url], configuration: configuration, verifier: { _ in true })
        try await withRunningPool(pool) {
            let stream = try pool.subscribe([Filter()])  // not consumed until everything arrived
            try await relayWaitUntil("all delivered") { pool.health().eventsDelivered == 20 }
            XCTAssertEqual(pool.health().droppedOnOverflow, 16, "20 events and an EOSE into 5 slots")
            var received: [RelaySubscriptionEvent] = []
            for await element in stream {
                received.append(element)
                if received.count == 5 { break }
            }
            XCTAssertEqual(received.last, .endOfStoredEvents)
            XCTAssertEqual(received.first, .event(events[16], relay: relay.url), "the newest are kept")
        }
        try await relay.stop()
    }

    func testRecentIDsEvictOldestFirst() {
        var recent = RelayRecentIDs(capacity: 3)
        XCTAssertTrue(recent.insert("a"))
        XCTAssertTrue(recent.insert("b"))
        XCTAssertFalse(recent.insert("a"))
        XCTAssertTrue(recent.insert("c"))
        XCTAssertTrue(recent.insert("d"))  // evicts "a"
        XCTAssertEqual(recent.count, 3)
        XCTAssertFalse(recent.contains("a"))
        XCTAssertTrue(recent.insert("a"))  // evicts "b"
        XCTAssertFalse(recent.contains("b"))
        XCTAssertTrue(recent.contains("c"))
        for number in 0..<10_000 { _ = recent.insert("x\(number)") }
        XCTAssertEqual(recent.count, 3)
    }

    func event(_ number: Int) -> NostrEvent {
        RelayFixtures.event(id: RelayFixtures.id(number))
    }
}

func withRunningPool(_ pool: RelayPool, body: () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await pool.run() }
        do {
            try await body()
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
    }
}

final class RelayPoolRecorder: Sendable {
    struct Element: Sendable {
        let label: String
    }

    private let state = NIOLockedValueBox<[Element]>([])
    private let eventIDs = NIOLockedValueBox<[String]>([])

    var elements: [Element] { self.state.withLockedValue { $0 } }
    var ids: [String] { self.eventIDs.withLockedValue { $0 } }
    var sawEndOfStoredEvents: Bool { self.elements.contains { $0.label == "EOSE" } }

    /// Consumes `stream` while `body` runs; returning from `body` ends the subscription.
    func record(_ stream: AsyncStream<RelaySubscriptionEvent>, during body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await element in stream {
                    switch element {
                    case .event(let event, _):
                        self.eventIDs.withLockedValue { $0.append(event.id) }
                        self.state.withLockedValue { $0.append(Element(label: "e:\(event.id)")) }
                    case .endOfStoredEvents:
                        self.state.withLockedValue { $0.append(Element(label: "EOSE")) }
                    }
                }
            }
            do {
                try await body()
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }
}
