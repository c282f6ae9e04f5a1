import Foundation
import XCTest

@testable import NostrBridge

/// Jitter values handed out in order (then the last one forever), so backoff is predictable.
final class RelayScriptedRandom: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double]

    init(_ values: [Double]) { self.values = values }

    func next() -> Double {
        self.lock.withLock {
            self.values.count > 1 ? self.values.removeFirst() : (self.values.first ?? 0)
        }
    }
}

final class RelayConnectionStateMachineTests: XCTestCase {
    typealias Machine = RelayConnectionStateMachine
    typealias Action = RelayConnectionStateMachine.Action

    let url = "wss://relay.example"
    let epoch = ContinuousClock.now
    let unixEpoch: Int64 = 1_700_000_000
    /// 1 s initial, doubling, capped at 8 s, jitter up to 50 %, stable after 30 s.
    let backoff = RelayBackoff(
        initialDelay: .seconds(1), multiplier: 2, maximumDelay: .seconds(8), jitter: 0.5, stableAfter: .seconds(30))

    /// Both clocks `seconds` after the test's epoch.
    func time(_ seconds: Int64) -> Machine.Time {
        .init(instant: self.epoch + .seconds(seconds), unixSeconds: self.unixEpoch + seconds)
    }

    func makeMachine(
        random: @escaping @Sendable () -> Double = { 0 },
        maxPendingPublishes: Int = 3,
        canAuthenticate: Bool = false,
        authPolicy: RelayAuthPolicy = .onDemand
    ) -> Machine {
        Machine(
            configuration: .init(
                relayURL: self.url,
                backoff: self.backoff,
                resubscribeMarginSeconds: 60,
                maxPendingPublishes: maxPendingPublishes,
                authPolicy: authPolicy,
                canAuthenticate: canAuthenticate
            ),
            unitRandom: random
        )
    }

    func connectedMachine(
        at seconds: Int64 = 0,
        maxPendingPublishes: Int = 3,
        canAuthenticate: Bool = false,
        authPolicy: RelayAuthPolicy = .onDemand
    ) -> Machine {
        var machine = self.makeMachine(
            maxPendingPublishes: maxPendingPublishes, canAuthenticate: canAuthenticate, authPolicy: authPolicy)
        XCTAssertEqual(machine.start(), [.connect])
        XCTAssertEqual(machine.connectSucceeded(now: self.time(seconds)), [])
        return machine
    }

    func event(_ number: Int, createdAt: Int64? = nil, kind: Int = 1) -> NostrEvent {
        RelayFixtures.event(id: RelayFixtures.id(number), createdAt: createdAt ?? self.unixEpoch, kind: kind)
    }

    // MARK: Lifecycle and backoff

    func testStartsOnceAndConnects() {
        var machine = self.makeMachine()
        XCTAssertEqual(machine.healthState, .idle)
        XCTAssertEqual(machine.start(), [.connect])
        XCTAssertEqual(machine.healthState, .connecting)
        XCTAssertEqual(machine.start(), [])
        XCTAssertEqual(machine.connectSucceeded(now: self.time(0)), [])
        XCTAssertEqual(machine.healthState, .connected)
        XCTAssertTrue(machine.isConnected)
    }

    func testConnectFailuresBackOffExponentiallyAndCap() {
        var machine = self.makeMachine(random: { 0 })
        _ = machine.start()
        var delays: [Duration] = []
        for _ in 0..<7 {
            guard case .scheduleReconnect(let delay) = machine.connectFailed().first else { return XCTFail("no backoff") }
            XCTAssertEqual(machine.healthState, .backingOff)
            delays.append(delay)
            XCTAssertEqual(machine.timerFired(), [.connect])
            XCTAssertEqual(machine.healthState, .connecting)
        }
        XCTAssertEqual(delays, [1, 2, 4, 8, 8, 8, 8].map { Duration.seconds($0) })
        XCTAssertEqual(machine.consecutiveFailures, 7)
    }

    func testJitterOnlyShortensAndStaysWithinBounds() {
        let random = RelayScriptedRandom([0.5, 1.0, 0.25, 0.999, 0.0, 0.5])
        var machine = self.makeMachine(random: { random.next() })
        _ = machine.start()
        var delays: [Duration] = []
        for _ in 0..<6 {
            guard case .scheduleReconnect(let delay) = machine.connectFailed().first else { return XCTFail("no backoff") }
            delays.append(delay)
            _ = machine.timerFired()
        }
        // base 1, 2, 4, 8, 8, 8 shortened by 50 % × random.
        let expected: [Double] = [0.75, 1.0, 3.5, 8 * (1 - 0.5 * 0.999), 8, 6]
        for (delay, expected) in zip(delays, expected) {
            XCTAssertEqual(self.seconds(delay), expected, accuracy: 1e-9)
        }
        XCTAssertTrue(delays.allSatisfy { $0 <= .seconds(8) }, "jitter never exceeds the cap")
        XCTAssertNotEqual(delays[4], delays[5], "jitter decorrelates attempts at the cap")
    }

    func testBackoffArithmeticHandlesExtremes() {
        let backoff = RelayBackoff(initialDelay: .milliseconds(500), maximumDelay: .seconds(60), jitter: 0.3)
        XCTAssertEqual(backoff.delay(attempt: 0, unitRandom: 0), .milliseconds(500))
        XCTAssertEqual(backoff.delay(attempt: 10_000, unitRandom: 0), .seconds(60))
        XCTAssertEqual(backoff.delay(attempt: Int.max, unitRandom: 0), .seconds(60))
        XCTAssertEqual(backoff.delay(attempt: -3, unitRandom: 0), .milliseconds(500))
        XCTAssertEqual(self.seconds(backoff.delay(attempt: 100, unitRandom: 7)), 42, accuracy: 1e-9, "random is clamped to 0...1")
        XCTAssertEqual(self.seconds(backoff.delay(attempt: 1, unitRandom: -1)), 1, accuracy: 1e-9)
        XCTAssertEqual(RelayBackoff(jitter: 5).jitter, 1)
        XCTAssertEqual(RelayBackoff(multiplier: 0.1).multiplier, 1, "backoff never shrinks")
    }

    func testStableConnectionResetsBackoff() {
        var machine = self.makeMachine(random: { 0 })
        _ = machine.start()
        for _ in 0..<3 {
            _ = machine.connectFailed()
            _ = machine.timerFired()
        }
        _ = machine.connectSucceeded(now: self.time(100))
        XCTAssertEqual(machine.consecutiveFailures, 3)
        // Up for 30 s: stable, so the next wait is the initial one again.
        XCTAssertEqual(machine.disconnected(now: self.time(130)), [.scheduleReconnect(after: .seconds(1))])
        XCTAssertEqual(machine.consecutiveFailures, 1)
    }

    func testShortLivedConnectionCountsAsFailure() {
        var machine = self.makeMachine(random: { 0 })
        _ = machine.start()
        for _ in 0..<3 {
            _ = machine.connectFailed()
            _ = machine.timerFired()
        }
        _ = machine.connectSucceeded(now: self.time(100))
        // Dropped after 29 s: not stable; the 4th wait continues the sequence.
        XCTAssertEqual(machine.disconnected(now: self.time(129)), [.scheduleReconnect(after: .seconds(8))])
        XCTAssertEqual(machine.consecutiveFailures, 4)
    }

    func testInputsInTheWrongStateAreIgnored() {
        var machine = self.makeMachine()
        XCTAssertEqual(machine.connectFailed(), [])
        XCTAssertEqual(machine.timerFired(), [])
        XCTAssertEqual(machine.disconnected(now: self.time(0)), [])
        XCTAssertEqual(machine.connectSucceeded(now: self.time(0)), [])
        XCTAssertEqual(machine.received(.notice("x"), now: self.time(0)), [])
        XCTAssertEqual(machine.received(.endOfStoredEvents(subscriptionID: "s"), now: self.time(0)), [])
        XCTAssertEqual(machine.healthState, .idle)
        _ = machine.start()
        XCTAssertEqual(machine.timerFired(), [], "no timer while connecting")
        XCTAssertEqual(machine.disconnected(now: self.time(0)), [], "never connected")
    }

    // MARK: Close

    func testCloseStopsEverything() {
        var machine = self.connectedMachine()
        _ = machine.subscribe(id: "s", filters: [Filter()])
        _ = machine.publish(self.event(1))
        _ = machine.publish(self.event(2))
        let closed = RelayError(.closed, "relay connection is closed")
        XCTAssertEqual(
            machine.close(),
            [
                .closeConnection,
                .completePublish(eventID: RelayFixtures.id(1), .failed(closed)),
                .completePublish(eventID: RelayFixtures.id(2), .failed(closed)),
            ])
        XCTAssertEqual(machine.healthState, .closed)
        XCTAssertTrue(machine.subscriptions.isEmpty)
        XCTAssertTrue(machine.publishes.isEmpty)
        // Nothing revives it.
        XCTAssertEqual(machine.close(), [])
        XCTAssertEqual(machine.start(), [])
        XCTAssertEqual(machine.disconnected(now: self.time(1)), [])
        XCTAssertEqual(machine.connectFailed(), [])
        XCTAssertEqual(machine.timerFired(), [])
        XCTAssertEqual(machine.subscribe(id: "t", filters: [Filter()]), [])
        XCTAssertEqual(machine.publish(self.event(3)), [.completePublish(eventID: RelayFixtures.id(3), .failed(closed))])
        XCTAssertEqual(machine.connectSucceeded(now: self.time(2)), [.closeConnection], "a late connection is torn down")
    }

    func testCloseWhileBackingOffNeedsNoConnectionClose() {
        var machine = self.makeMachine()
        _ = machine.start()
        _ = machine.connectFailed()
        _ = machine.publish(self.event(1))
        XCTAssertEqual(machine.close(), [.completePublish(eventID: RelayFixtures.id(1), .failed(Machine.closedError))])
    }

    // MARK: Publishing

    func testPublishWhileDisconnectedQueuesUpToTheBoundThenFails() {
        var machine = self.makeMachine(maxPendingPublishes: 3)
        _ = machine.start()
        XCTAssertEqual(machine.publish(self.event(1)), [])
        XCTAssertEqual(machine.publish(self.event(2)), [])
        XCTAssertEqual(machine.publish(self.event(3)), [])
        let overflow = machine.publish(self.event(4))
        guard case .completePublish(let id, .failed(let error)) = overflow.first, overflow.count == 1 else {
            return XCTFail("expected an immediate failure, got \(overflow)")
        }
        XCTAssertEqual(id, RelayFixtures.id(4))
        XCTAssertEqual(error.code, .outboundQueueFull)
        XCTAssertTrue(error.message.contains(self.url), error.message)
        XCTAssertEqual(machine.publishes.count, 3)
        // Queued events go out in order on connect.
        XCTAssertEqual(
            machine.connectSucceeded(now: self.time(0)),
            [.send([.event(self.event(1)), .event(self.event(2)), .event(self.event(3))])])
    }

    func testOKOutcomes() {
        var machine = self.connectedMachine(maxPendingPublishes: 10)
        for number in 1...4 {
            XCTAssertEqual(machine.publish(self.event(number)), [.send([.event(self.event(number))])])
        }
        XCTAssertEqual(
            machine.received(.ok(eventID: RelayFixtures.id(1), accepted: true, message: ""), now: self.time(1)),
            [.completePublish(eventID: RelayFixtures.id(1), .accepted(""))])
        XCTAssertEqual(
            machine.received(.ok(eventID: RelayFixtures.id(2), accepted: false, message: "duplicate: have it"), now: self.time(1)),
            [.completePublish(eventID: RelayFixtures.id(2), .accepted("duplicate: have it"))])
        XCTAssertEqual(
            machine.received(.ok(eventID: RelayFixtures.id(3), accepted: false, message: "rate-limited: slow down"), now: self.time(1)),
            [.completePublish(eventID: RelayFixtures.id(3), .rejected("rate-limited: slow down"))])
        XCTAssertEqual(
            machine.received(.ok(eventID: RelayFixtures.id(4), accepted: false, message: "auth-required: who?"), now: self.time(1)),
            [.completePublish(eventID: RelayFixtures.id(4), .rejected("auth-required: who?"))],
            "without a signer, auth-required is final")
        XCTAssertTrue(machine.publishes.isEmpty)
        XCTAssertEqual(
            machine.received(.ok(eventID: RelayFixtures.id(1), accepted: true, message: ""), now: self.time(1)), [],
            "a repeated or unknown OK is ignored")
        XCTAssertEqual(machine.received(.ok(eventID: "", accepted: false, message: "invalid: bad sig"), now: self.time(1)), [])
    }

    func testUnacknowledgedPublishIsResentAfterReconnect() {
        var machine = self.connectedMachine()
        _ = machine.publish(self.event(1))
        _ = machine.publish(self.event(2))
        _ = machine.received(.ok(eventID: RelayFixtures.id(1), accepted: true, message: ""), now: self.time(1))
        _ = machine.disconnected(now: self.time(2))
        XCTAssertEqual(machine.publishes.map(\.status), [.queued])
        _ = machine.timerFired()
        XCTAssertEqual(machine.connectSucceeded(now: self.time(3)), [.send([.event(self.event(2))])])
    }

    func testSameEventIsSentOnce() {
        var machine = self.connectedMachine()
        XCTAssertEqual(machine.publish(self.event(1)), [.send([.event(self.event(1))])])
        XCTAssertEqual(machine.publish(self.event(1)), [], "the second caller waits for the same OK")
        XCTAssertEqual(machine.publishes.count, 1)
    }

    func testCancelledPublishIsForgottenAndFreesItsSlot() {
        var machine = self.makeMachine(maxPendingPublishes: 1)
        _ = machine.start()
        _ = machine.publish(self.event(1))
        machine.cancelPublish(eventID: RelayFixtures.id(1))
        XCTAssertEqual(machine.publish(self.event(2)), [], "the slot is free again")
        XCTAssertEqual(machine.connectSucceeded(now: self.time(0)), [.send([.event(self.event(2))])])
        machine.cancelPublish(eventID: RelayFixtures.id(2))
        XCTAssertEqual(machine.received(.ok(eventID: RelayFixtures.id(2), accepted: true, message: ""), now: self.time(1)), [])
    }

    // MARK: Subscriptions

    func testSubscribeWhileDisconnectedIsSentOnConnect() {
        var machine = self.makeMachine()
        _ = machine.start()
        XCTAssertEqual(machine.subscribe(id: "a", filters: [Filter(kinds: [1])]), [])
        XCTAssertEqual(machine.subscribe(id: "b", filters: [Filter(kinds: [2])]), [])
        _ = machine.publish(self.event(1))
        XCTAssertEqual(
            machine.connectSucceeded(now: self.time(0)),
            [
                .send([
                    .req(subscriptionID: "a", filters: [Filter(kinds: [1])]),
                    .req(subscriptionID: "b", filters: [Filter(kinds: [2])]),
                    .event(self.event(1)),
                ])
            ],
            "subscriptions first, in the order they were made, then queued publishes")
    }

    func testSubscribeReplaceAndUnsubscribeWhileConnected() {
        var machine = self.connectedMachine()
        XCTAssertEqual(machine.subscribe(id: "a", filters: [Filter(kinds: [1])]), [.send([.req(subscriptionID: "a", filters: [Filter(kinds: [1])])])])
        XCTAssertEqual(machine.subscribe(id: "a", filters: [Filter(kinds: [2])]), [.send([.req(subscriptionID: "a", filters: [Filter(kinds: [2])])])])
        XCTAssertEqual(machine.subscriptions.count, 1)
        XCTAssertEqual(machine.unsubscribe(id: "a"), [.send([.close(subscriptionID: "a")])])
        XCTAssertEqual(machine.unsubscribe(id: "a"), [])
        XCTAssertTrue(machine.subscriptions.isEmpty)
    }

    func testUnsubscribeWithoutARelaySubscriptionSendsNothing() {
        var machine = self.makeMachine()
        _ = machine.start()
        _ = machine.subscribe(id: "a", filters: [Filter()])
        XCTAssertEqual(machine.unsubscribe(id: "a"), [], "never sent")
        _ = machine.connectSucceeded(now: self.time(0))
        _ = machine.subscribe(id: "b", filters: [Filter()])
        _ = machine.received(.closed(subscriptionID: "b", message: "error: no"), now: self.time(1))
        XCTAssertEqual(machine.unsubscribe(id: "b"), [], "the relay already closed it")
    }

    func testEventsAreDeliveredOnlyForMatchingActiveSubscriptions() {
        var machine = self.connectedMachine()
        _ = machine.subscribe(id: "a", filters: [Filter(kinds: [1])])
        XCTAssertEqual(
            machine.received(.event(subscriptionID: "a", event: self.event(1)), now: self.time(1)),
            [.deliver(subscriptionID: "a", self.event(1))])
        XCTAssertEqual(
            machine.received(.event(subscriptionID: "a", event: self.event(2, kind: 2)), now: self.time(1)),
            [.discard(subscriptionID: "a", .filterMismatch)])
        XCTAssertEqual(
            machine.received(.event(subscriptionID: "zzz", event: self.event(3)), now: self.time(1)),
            [.discard(subscriptionID: "zzz", .unknownSubscription)])
        _ = machine.unsubscribe(id: "a")
        XCTAssertEqual(
            machine.received(.event(subscriptionID: "a", event: self.event(4)), now: self.time(1)),
            [.discard(subscriptionID: "a", .unknownSubscription)], "events racing our CLOSE")
    }

    func testEndOfStoredEventsOncePerConnection() {
        var machine = self.connectedMachine()
        _ = machine.subscribe(id: "a", filters: [Filter()])
        XCTAssertEqual(machine.received(.endOfStoredEvents(subscriptionID: "a"), now: self.time(1)), [.endOfStoredEvents(subscriptionID: "a")])
        XCTAssertEqual(machine.received(.endOfStoredEvents(subscriptionID: "a"), now: self.time(2)), [])
        XCTAssertEqual(machine.received(.endOfStoredEvents(subscriptionID: "nope"), now: self.time(2)), [])
        _ = machine.disconnected(now: self.time(3))
        _ = machine.timerFired()
        _ = machine.connectSucceeded(now: self.time(4))
        XCTAssertEqual(machine.received(.endOfStoredEvents(subscriptionID: "a"), now: self.time(5)), [.endOfStoredEvents(subscriptionID: "a")])
    }

    func testClosedByRelayIsReportedAndRetriedOnlyOnTheNextConnection() {
        var machine = self.connectedMachine()
        _ = machine.subscribe(id: "a", filters: [Filter()])
        XCTAssertEqual(
            machine.received(.closed(subscriptionID: "a", message: "error: shutting down idle subscription"), now: self.time(1)),
            [.subscriptionClosed(subscriptionID: "a", "error: shutting down idle subscription")])
        XCTAssertEqual(machine.received(.closed(subscriptionID: "a", message: "error: again"), now: self.time(1)), [])
        XCTAssertEqual(
            machine.received(.event(subscriptionID: "a", event: self.event(1)), now: self.time(1)),
            [.discard(subscriptionID: "a", .unknownSubscription)])
        _ = machine.disconnected(now: self.time(2))
        _ = machine.timerFired()
        XCTAssertEqual(machine.connectSucceeded(now: self.time(3)), [.send([.req(subscriptionID: "a", filters: [Filter()])])])
    }

    // MARK: Resubscribe after reconnect

    func testReconnectResubscribesFromNewestSeenMinusMargin() {
        var machine = self.connectedMachine()
        let filters = [Filter(kinds: [1], since: self.unixEpoch - 3_600, limit: 50), Filter(kinds: [1], since: self.unixEpoch + 10_000)]
        _ = machine.subscribe(id: "a", filters: filters)
        _ = machine.received(.event(subscriptionID: "a", event: self.event(1, createdAt: self.unixEpoch - 100)), now: self.time(1))
        _ = machine.received(.event(subscriptionID: "a", event: self.event(2, createdAt: self.unixEpoch + 500)), now: self.time(600))
        _ = machine.received(.event(subscriptionID: "a", event: self.event(3, createdAt: self.unixEpoch + 200)), now: self.time(601))
        _ = machine.disconnected(now: self.time(700))
        _ = machine.timerFired()
        XCTAssertEqual(
            machine.connectSucceeded(now: self.time(710)),
            [
                .send([
                    .req(
                        subscriptionID: "a",
                        filters: [
                            // since = newest created_at seen (epoch + 500) − 60 s margin; limit dropped.
                            Filter(kinds: [1], since: self.unixEpoch + 440),
                            // A later `since` already excludes the gap: left exactly as asked.
                            Filter(kinds: [1], since: self.unixEpoch + 10_000),
                        ])
                ])
            ])
    }

    func testFutureDatedEventCannotPushTheResumePointPastNow() {
        var machine = self.connectedMachine()
        _ = machine.subscribe(id: "a", filters: [Filter()])
        let farFuture = self.unixEpoch + 10 * 365 * 86_400
        _ = machine.received(.event(subscriptionID: "a", event: self.event(1, createdAt: farFuture)), now: self.time(100))
        _ = machine.disconnected(now: self.time(200))
        _ = machine.timerFired()
        XCTAssertEqual(
            machine.connectSucceeded(now: self.time(210)),
            [.send([.req(subscriptionID: "a", filters: [Filter(since: self.unixEpoch + 100 - 60)])])])
    }

    func testQuietSubscriptionResumesFromItsLastEOSE() {
        var machine = self.connectedMachine()
        _ = machine.subscribe(id: "quiet", filters: [Filter(kinds: [5900])])
        _ = machine.subscribe(id: "never", filters: [Filter(kinds: [7000], limit: 5)])
        _ = machine.received(.endOfStoredEvents(subscriptionID: "quiet"), now: self.time(5))
        _ = machine.disconnected(now: self.time(3_600))
        _ = machine.timerFired()
        XCTAssertEqual(
            machine.connectSucceeded(now: self.time(3_601)),
            [
                .send([
                    .req(subscriptionID: "quiet", filters: [Filter(kinds: [5900], since: self.unixEpoch + 5 - 60)]),
                    .req(subscriptionID: "never", filters: [Filter(kinds: [7000], limit: 5)]),
                ])
            ])
    }

    func testReplacingASubscriptionForgetsItsResumePoint() {
        var machine = self.connectedMachine()
        _ = machine.subscribe(id: "a", filters: [Filter()])
        _ = machine.received(.event(subscriptionID: "a", event: self.event(1)), now: self.time(1))
        _ = machine.subscribe(id: "a", filters: [Filter(kinds: [2])])
        _ = machine.disconnected(now: self.time(2))
        _ = machine.timerFired()
        XCTAssertEqual(machine.connectSucceeded(now: self.time(3)), [.send([.req(subscriptionID: "a", filters: [Filter(kinds: [2])])])])
    }

    func testUnverifiedEventsNeverReachTheMachineSoNeverMoveTheResumePoint() {
        // The contract: the driver verifies first. Here we only check that discarded events do
        // not move the resume point either.
        var machine = self.connectedMachine()
        _ = machine.subscribe(id: "a", filters: [Filter(kinds: [1])])
        _ = machine.received(.event(subscriptionID: "a", event: self.event(1, createdAt: self.unixEpoch + 50, kind: 2)), now: self.time(100))
        _ = machine.disconnected(now: self.time(200))
        _ = machine.timerFired()
        XCTAssertEqual(machine.connectSucceeded(now: self.time(201)), [.send([.req(subscriptionID: "a", filters: [Filter(kinds: [1])])])])
    }

    // MARK: NIP-42

    func testOnDemandAuthForASubscription() {
        var machine = self.connectedMachine(canAuthenticate: true)
        XCTAssertEqual(machine.received(.auth(challenge: "c1"), now: self.time(1)), [], "on demand: not yet")
        _ = machine.subscribe(id: "dm", filters: [Filter(kinds: [4])])
        let request = RelayAuthRequest(relayURL: self.url, challenge: "c1", createdAt: self.unixEpoch + 2)
        XCTAssertEqual(
            machine.received(.closed(subscriptionID: "dm", message: "auth-required: sign in"), now: self.time(2)),
            [.signAuth(request)])
        XCTAssertEqual(request.kind, 22242)
        XCTAssertEqual(request.tags, [["relay", self.url], ["challenge", "c1"]])
        let authEvent = self.authEvent(challenge: "c1", number: 99)
        XCTAssertEqual(machine.authSigned(authEvent), [.send([.auth(authEvent)])])
        XCTAssertFalse(machine.isAuthenticated)
        XCTAssertEqual(
            machine.received(.ok(eventID: authEvent.id, accepted: true, message: ""), now: self.time(3)),
            [.send([.req(subscriptionID: "dm", filters: [Filter(kinds: [4])])])])
        XCTAssertTrue(machine.isAuthenticated)
        XCTAssertEqual(
            machine.received(.closed(subscriptionID: "dm", message: "auth-required: still no"), now: self.time(4)),
            [.subscriptionClosed(subscriptionID: "dm", "auth-required: still no")],
            "once authenticated, auth-required is final")
    }

    func testOnDemandAuthForAPublishRetriesOnce() {
        var machine = self.connectedMachine(canAuthenticate: true)
        _ = machine.received(.auth(challenge: "c"), now: self.time(0))
        _ = machine.publish(self.event(1))
        guard case .signAuth = machine.received(.ok(eventID: RelayFixtures.id(1), accepted: false, message: "auth-required: x"), now: self.time(1)).first
        else { return XCTFail("expected signing") }
        XCTAssertEqual(machine.publishes.map(\.status), [.awaitingAuth("auth-required: x")])
        let authEvent = self.authEvent(challenge: "c", number: 50)
        _ = machine.authSigned(authEvent)
        XCTAssertEqual(
            machine.received(.ok(eventID: authEvent.id, accepted: true, message: ""), now: self.time(2)),
            [.send([.event(self.event(1))])])
        XCTAssertEqual(
            machine.received(.ok(eventID: RelayFixtures.id(1), accepted: false, message: "auth-required: x"), now: self.time(3)),
            [.completePublish(eventID: RelayFixtures.id(1), .rejected("auth-required: x"))])
    }

    func testAuthRequiredBeforeAnyChallengeWaitsForOne() {
        var machine = self.connectedMachine(canAuthenticate: true)
        _ = machine.subscribe(id: "a", filters: [Filter()])
        XCTAssertEqual(machine.received(.closed(subscriptionID: "a", message: "auth-required: x"), now: self.time(1)), [])
        XCTAssertEqual(
            machine.received(.auth(challenge: "late"), now: self.time(2)),
            [.signAuth(RelayAuthRequest(relayURL: self.url, challenge: "late", createdAt: self.unixEpoch + 2))])
        // A second auth-required while signing does not start another signature.
        _ = machine.subscribe(id: "b", filters: [Filter()])
        XCTAssertEqual(machine.received(.closed(subscriptionID: "b", message: "auth-required: x"), now: self.time(3)), [])
        let authEvent = self.authEvent(challenge: "late", number: 7)
        _ = machine.authSigned(authEvent)
        XCTAssertEqual(
            machine.received(.ok(eventID: authEvent.id, accepted: true, message: ""), now: self.time(4)),
            [.send([.req(subscriptionID: "a", filters: [Filter()]), .req(subscriptionID: "b", filters: [Filter()])])])
    }

    func testEagerAuthSignsOnChallenge() {
        var machine = self.connectedMachine(canAuthenticate: true, authPolicy: .eager)
        XCTAssertEqual(
            machine.received(.auth(challenge: "c"), now: self.time(1)),
            [.signAuth(RelayAuthRequest(relayURL: self.url, challenge: "c", createdAt: self.unixEpoch + 1))])
    }

    func testEagerWithoutSignerDoesNothing() {
        var machine = self.connectedMachine(canAuthenticate: false, authPolicy: .eager)
        XCTAssertEqual(machine.received(.auth(challenge: "c"), now: self.time(1)), [])
        _ = machine.subscribe(id: "a", filters: [Filter()])
        XCTAssertEqual(
            machine.received(.closed(subscriptionID: "a", message: "auth-required: x"), now: self.time(1)),
            [.subscriptionClosed(subscriptionID: "a", "auth-required: x")])
    }

    func testRefusedAuthFailsEverythingThatWaited() {
        var machine = self.connectedMachine(canAuthenticate: true)
        _ = machine.received(.auth(challenge: "c"), now: self.time(0))
        _ = machine.subscribe(id: "a", filters: [Filter()])
        _ = machine.publish(self.event(1))
        _ = machine.received(.closed(subscriptionID: "a", message: "auth-required: sub"), now: self.time(1))
        _ = machine.received(.ok(eventID: RelayFixtures.id(1), accepted: false, message: "auth-required: pub"), now: self.time(1))
        let authEvent = self.authEvent(challenge: "c", number: 9)
        _ = machine.authSigned(authEvent)
        XCTAssertEqual(
            machine.received(.ok(eventID: authEvent.id, accepted: false, message: "restricted: not on the list"), now: self.time(2)),
            [
                .reportError(RelayError(.authenticationFailed, "relay refused AUTH: restricted: not on the list")),
                .subscriptionClosed(subscriptionID: "a", "auth-required: sub"),
                .completePublish(eventID: RelayFixtures.id(1), .rejected("auth-required: pub")),
            ])
        XCTAssertFalse(machine.isAuthenticated)
        XCTAssertTrue(machine.publishes.isEmpty)
    }

    func testSignerFailureFailsEverythingThatWaited() {
        var machine = self.connectedMachine(canAuthenticate: true)
        _ = machine.received(.auth(challenge: "c"), now: self.time(0))
        _ = machine.subscribe(id: "a", filters: [Filter()])
        _ = machine.received(.closed(subscriptionID: "a", message: "auth-required: sub"), now: self.time(1))
        XCTAssertEqual(
            machine.authSigningFailed("no key"),
            [
                .reportError(RelayError(.authenticationFailed, "no key")),
                .subscriptionClosed(subscriptionID: "a", "auth-required: sub"),
            ])
        XCTAssertEqual(machine.authSigningFailed("again"), [], "only while signing")
    }

    func testSignatureForAnotherChallengeIsNotSent() {
        var machine = self.connectedMachine(canAuthenticate: true, authPolicy: .eager)
        _ = machine.received(.auth(challenge: "new"), now: self.time(0))
        XCTAssertEqual(machine.authSigned(self.authEvent(challenge: "old", number: 1)), [])
        var wrongKind = self.authEvent(challenge: "new", number: 2)
        wrongKind.kind = 1
        XCTAssertEqual(machine.authSigned(wrongKind), [])
        let good = self.authEvent(challenge: "new", number: 3)
        XCTAssertEqual(machine.authSigned(good), [.send([.auth(good)])])
        XCTAssertEqual(machine.authSigned(good), [], "only once")
    }

    func testAuthStateIsPerConnection() {
        var machine = self.connectedMachine(canAuthenticate: true, authPolicy: .eager)
        _ = machine.received(.auth(challenge: "c1"), now: self.time(0))
        let first = self.authEvent(challenge: "c1", number: 1)
        _ = machine.authSigned(first)
        _ = machine.received(.ok(eventID: first.id, accepted: true, message: ""), now: self.time(1))
        XCTAssertTrue(machine.isAuthenticated)
        _ = machine.disconnected(now: self.time(2))
        XCTAssertFalse(machine.isAuthenticated)
        _ = machine.timerFired()
        _ = machine.connectSucceeded(now: self.time(3))
        XCTAssertEqual(machine.authSigned(first), [], "the old challenge is gone")
        XCTAssertEqual(
            machine.received(.auth(challenge: "c2"), now: self.time(4)),
            [.signAuth(RelayAuthRequest(relayURL: self.url, challenge: "c2", createdAt: self.unixEpoch + 4))])
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    private func authEvent(challenge: String, number: Int) -> NostrEvent {
        RelayFixtures.event(
            id: RelayFixtures.id(10_000 + number), kind: 22242, tags: [["relay", self.url], ["challenge", challenge]], content: "")
    }
}
