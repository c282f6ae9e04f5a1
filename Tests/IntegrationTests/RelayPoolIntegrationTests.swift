import Foundation
import NIOConcurrencyHelpers
import NostrBridge
import XCTest

/// `RelayPool` against the test bed's real relays:
/// - relay-sdk: rust-nostr's relay, NIP-01 correct (LMDB, so it keeps events across a restart);
/// - relay-py: the Python nostr-relay, which answers duplicates with `false, "duplicate: …"`;
/// - relay-noverify: the Python relay without signature checks, to feed forged events.
///
/// Relays keep their data between runs, so every test tags its events with a fresh nonce and
/// subscribes by it.
final class RelayPoolIntegrationTests: XCTestCase {
    struct Relays {
        let bed: TestBed
        let sdk: String
        let py: String
        let noverify: String
    }

    func relays() throws -> Relays {
        let bed = try TestBed.load()
        return Relays(
            bed: bed,
            sdk: try bed.require("NCN_RELAY_SDK_URL"),
            py: try bed.require("NCN_RELAY_PY_URL"),
            noverify: try bed.require("NCN_RELAY_NOVERIFY_URL"))
    }

    /// Quick reconnects so a restart test takes seconds, not minutes.
    let configuration = RelayPoolConfiguration(
        connection: RelayConnectionConfiguration(
            backoff: RelayBackoff(initialDelay: .milliseconds(100), maximumDelay: .milliseconds(800), jitter: 0.2),
            publishTimeout: .seconds(10),
            connectTimeout: .seconds(5),
            pingInterval: .seconds(5)))

    let key = SecretKey.generate()
    let nonce = "ncn-test-\(UInt64.random(in: 0 ... .max))"

    func signed(_ content: String, kind: Int = 1, key: SecretKey? = nil) throws -> NostrEvent {
        try EventBuilder(kind: kind, content: content, tags: [["t", self.nonce]], createdAt: NostrEvent.currentTimestamp())
            .sign(with: key ?? self.key)
    }

    var filter: Filter { Filter(authors: [self.key.publicKey.hex], tags: ["t": [self.nonce]]) }

    // MARK: Tests

    func testSubscribeDeliversStoredEventsThenEOSEThenLiveEventsOnce() async throws {
        let relays = try self.relays()
        let pool = try RelayPool(relays: [relays.sdk, relays.py], configuration: self.configuration)
        try await withRunning(pool) {
            let stored = try self.signed("stored before subscribing")
            let outcomes = await pool.publish(stored)
            XCTAssertEqual(outcomes.count, 2)
            XCTAssertTrue(outcomes.values.allSatisfy(\.isSuccess), "\(outcomes)")

            let recorder = SubscriptionRecorder()
            try await recorder.record(try pool.subscribe([self.filter])) {
                try await recorder.waitFor("EOSE") { $0.sawEndOfStoredEvents }
                XCTAssertEqual(recorder.snapshot.ids, [stored.id], "stored event once, before EOSE, though both relays have it")

                let live = try self.signed("published after EOSE")
                let liveOutcomes = await pool.publish(live)
                XCTAssertTrue(liveOutcomes.values.allSatisfy(\.isSuccess), "\(liveOutcomes)")
                try await recorder.waitFor("live event") { $0.ids.contains(live.id) }
                // Give the slower relay time to deliver its copy too, then check it was suppressed.
                try await Self.waitUntil("second copy suppressed") { pool.health().duplicatesSuppressed >= 2 }
                XCTAssertEqual(recorder.snapshot.ids, [stored.id, live.id])
                XCTAssertEqual(recorder.snapshot.endOfStoredEventsIndex, 1)
            }
            let health = pool.health()
            XCTAssertEqual(health.relays[relays.sdk]?.state, .connected)
            XCTAssertEqual(health.relays[relays.py]?.state, .connected)
            XCTAssertEqual(health.droppedInvalid, 0)
            XCTAssertGreaterThanOrEqual(health.relays[relays.py]?.eventsReceived ?? 0, 2)
        }
    }

    func testPublishGetsOKFromBothRelaysAndRepublishingCountsAsSuccess() async throws {
        let relays = try self.relays()
        let pool = try RelayPool(relays: [relays.sdk, relays.py], configuration: self.configuration)
        try await withRunning(pool) {
            let event = try self.signed("publish me twice")
            let first = await pool.publish(event)
            XCTAssertEqual(Set(first.keys), [relays.sdk, relays.py])
            XCTAssertTrue(first.values.allSatisfy(\.isSuccess), "\(first)")

            let second = await pool.publish(event)
            XCTAssertTrue(second.values.allSatisfy(\.isSuccess), "a duplicate is still a success: \(second)")
            // The Python relay's quirk: `OK false "duplicate: …"`, which must be read as success.
            guard case .accepted(let message) = second[relays.py] else { return XCTFail("\(String(describing: second[relays.py]))") }
            XCTAssertEqual(message.prefix, .duplicate, message.raw)

            // A badly signed event is never reported as success. relay-sdk refuses it with OK false;
            // relay-py answers with an *empty* event id, which cannot be matched, so it times out.
            var forged = try self.signed("forged")
            forged.content = "tampered after signing"
            let refused = await pool.publish(forged, timeout: .seconds(2))
            guard case .rejected(let reason) = refused[relays.sdk] else { return XCTFail("\(refused)") }
            XCTAssertEqual(reason.prefix, .invalid, reason.raw)
            XCTAssertFalse(refused[relays.py]?.isSuccess ?? true, "\(refused)")
        }
    }

    func testSubscriptionSurvivesARelayRestartWithoutLossOrDuplicates() async throws {
        let relays = try self.relays()
        let pool = try RelayPool(relays: [relays.sdk, relays.py], configuration: self.configuration)
        let viaPy = try RelayPool(relays: [relays.py], configuration: self.configuration)
        let viaSdk = try RelayPool(relays: [relays.sdk], configuration: self.configuration)
        try await withRunning(pool, viaPy, viaSdk) {
            let recorder = SubscriptionRecorder()
            try await recorder.record(try pool.subscribe([self.filter])) {
                try await recorder.waitFor("EOSE") { $0.sawEndOfStoredEvents }
                try await Self.waitUntil("pool connected to relay-sdk") { pool.health().relays[relays.sdk]?.state == .connected }

                try await self.peers(relays.bed, "stop", "relay-sdk")
                do {
                    try await Self.waitUntil("pool notices relay-sdk is gone") { pool.health().relays[relays.sdk]?.state != .connected }

                    // Reaches us through relay-py while relay-sdk is down.
                    let duringOutage = try self.signed("published to relay-py during the outage")
                    let pyOutcome = await viaPy.publish(duringOutage)
                    XCTAssertTrue(pyOutcome[relays.py]?.isSuccess ?? false, "\(pyOutcome)")
                    try await recorder.waitFor("event via relay-py during the outage") { $0.ids.contains(duringOutage.id) }

                    // Published through the pool while relay-sdk is down: relay-py answers now,
                    // relay-sdk's copy waits in the queue and goes out after the restart.
                    let queued = try self.signed("queued for relay-sdk")
                    async let queuedOutcome = pool.publish(queued, timeout: .seconds(60))
                    try await recorder.waitFor("queued event via relay-py") { $0.ids.contains(queued.id) }

                    try await self.peers(relays.bed, "start", "relay-sdk")
                    let outcome = await queuedOutcome
                    XCTAssertTrue(outcome[relays.sdk]?.isSuccess ?? false, "queued publish reached relay-sdk: \(outcome)")
                    XCTAssertTrue(outcome[relays.py]?.isSuccess ?? false, "\(outcome)")

                    // Published only to relay-sdk after its restart: proves the subscription resumed there.
                    try await Self.waitUntil("pool reconnected to relay-sdk") { pool.health().relays[relays.sdk]?.state == .connected }
                    let afterRestart = try self.signed("published to relay-sdk after the restart")
                    let sdkOutcome = await viaSdk.publish(afterRestart, timeout: .seconds(30))
                    XCTAssertTrue(sdkOutcome[relays.sdk]?.isSuccess ?? false, "\(sdkOutcome)")
                    try await recorder.waitFor("event via restarted relay-sdk") { $0.ids.contains(afterRestart.id) }

                    // The resubscribe replays recent events from relay-sdk; give it a moment, then
                    // check that nothing was delivered twice.
                    try await Task.sleep(for: .seconds(1))
                    let ids = recorder.snapshot.ids
                    XCTAssertEqual(ids.count, Set(ids).count, "duplicates delivered: \(ids)")
                    XCTAssertEqual(Set(ids), [duringOutage.id, queued.id, afterRestart.id])
                    let health = pool.health()
                    XCTAssertGreaterThanOrEqual(health.relays[relays.sdk]?.reconnects ?? 0, 1)
                    XCTAssertNotNil(health.relays[relays.sdk]?.lastError)
                    XCTAssertGreaterThanOrEqual(health.duplicatesSuppressed, 1)
                } catch {
                    try? await self.peers(relays.bed, "start", "relay-sdk")
                    throw error
                }
            }
        }
    }

    func testForgedEventsAreDroppedAndCounted() async throws {
        let relays = try self.relays()
        // Publishing does not verify, so this pool can hand forged events to relay-noverify.
        let pool = try RelayPool(relays: [relays.noverify], configuration: self.configuration)
        try await withRunning(pool) {
            let genuine = try self.signed("genuine")
            var tampered = try self.signed("tampered")
            tampered.content = "changed after signing"  // id no longer matches
            var badSignature = try self.signed("bad signature")
            badSignature.sig = String(repeating: "0", count: 128)
            let otherKey = SecretKey.generate()
            var wrongAuthor = try self.signed("signed by someone else", key: otherKey)
            wrongAuthor.pubkey = self.key.publicKey.hex  // claims our key, carries their signature

            let forged = [tampered, badSignature, wrongAuthor]
            var accepted = 0
            for event in [genuine] + forged {
                let outcome = await pool.publish(event)
                if outcome[relays.noverify]?.isSuccess == true, event != genuine { accepted += 1 }
            }
            XCTAssertGreaterThan(accepted, 0, "relay-noverify should store at least one forged event")

            let recorder = SubscriptionRecorder()
            try await recorder.record(try pool.subscribe([self.filter])) {
                try await recorder.waitFor("EOSE") { $0.sawEndOfStoredEvents }
                XCTAssertEqual(recorder.snapshot.ids, [genuine.id], "only the genuine event is delivered")
            }
            let health = pool.health()
            XCTAssertEqual(health.relays[relays.noverify]?.droppedInvalid, accepted)
            XCTAssertEqual(health.droppedInvalid, accepted)
            XCTAssertEqual(health.relays[relays.noverify]?.eventsReceived, accepted + 1)
        }
    }

    // MARK: Helpers

    /// Runs `pools` for the duration of `body`, then stops them (structured: no task outlives the test).
    func withRunning(_ pools: RelayPool..., body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for pool in pools {
                group.addTask { try await pool.run() }
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

    /// `bash scripts/lib/peers.sh stop|start NAME`, awaited without blocking a thread.
    ///
    /// Children of the test process inherit its signal mask, in which SIGTERM is blocked; a relay
    /// started from here would then ignore the next `stop` until peers.sh resorts to SIGKILL
    /// 15 s later. So the mask is cleared (by a tiny Python shim) before exec'ing bash.
    func peers(_ bed: TestBed, _ command: String, _ name: String) async throws {
        let script = TestBed.packageRoot.appendingPathComponent("scripts/lib/peers.sh").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp('bash', ['bash'] + sys.argv[1:])",
            script, command, name,
        ]
        var environment = ProcessInfo.processInfo.environment
        if let directory = bed.values["NCN_TESTBED_DIR"] { environment["NCN_TESTBED_DIR"] = directory }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard status == 0 else {
            throw NSError(
                domain: "peers.sh", code: Int(status),
                userInfo: [NSLocalizedDescriptionKey: "peers.sh \(command) \(name) exited \(status): \(log)"])
        }
    }
}

// Nested, so these helpers cannot collide with other test files' names.
extension RelayPoolIntegrationTests {
    /// Polls `condition` every 50 ms until it holds or `timeout` passes.
    static func waitUntil(
        _ what: String,
        timeout: Duration = .seconds(15),
        file: StaticString = #filePath,
        line: UInt = #line,
        _ condition: () -> Bool
    ) async throws {
        _ = try await eventually(what, timeout: timeout, every: .milliseconds(50), file: file, line: line) { condition() ? true : nil }
    }

    /// Collects what a subscription yields, from a child task, for the test to inspect.
    final class SubscriptionRecorder: Sendable {
        struct Snapshot {
            var ids: [String] = []
            var relays: [String] = []
            var endOfStoredEventsIndex: Int?
            var sawEndOfStoredEvents: Bool { self.endOfStoredEventsIndex != nil }
        }

        private let state = NIOLockedValueBox(Snapshot())

        var snapshot: Snapshot { self.state.withLockedValue { $0 } }

        /// Consumes `stream` while `body` runs; ending `body` ends the subscription.
        func record(_ stream: AsyncStream<RelaySubscriptionEvent>, during body: () async throws -> Void) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await element in stream {
                        self.state.withLockedValue { snapshot in
                            switch element {
                            case .event(let event, let relay):
                                snapshot.ids.append(event.id)
                                snapshot.relays.append(relay)
                            case .endOfStoredEvents:
                                snapshot.endOfStoredEventsIndex = snapshot.endOfStoredEventsIndex ?? snapshot.ids.count
                            }
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

        func waitFor(
            _ what: String,
            timeout: Duration = .seconds(15),
            file: StaticString = #filePath,
            line: UInt = #line,
            _ condition: @escaping (Snapshot) -> Bool
        ) async throws {
            try await RelayPoolIntegrationTests.waitUntil(what, timeout: timeout, file: file, line: line) { condition(self.snapshot) }
        }
    }
}
