import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import XCTest

@testable import NostrBridge

/// `RelayConnection` (the driver) over a real WebSocket, against `MockRelay`.
final class RelayConnectionTests: XCTestCase {
    let fast = RelayConnectionConfiguration(
        backoff: RelayBackoff(initialDelay: .milliseconds(50), maximumDelay: .milliseconds(200), jitter: 0),
        publishTimeout: .seconds(5),
        connectTimeout: .seconds(2),
        pingInterval: .seconds(5),
        closeTimeout: .milliseconds(500))

    func testDeliversVerifiedMatchingEventsAndCountsTheRest() async throws {
        let good = self.event(1, kind: 1)
        let forged = self.event(2, kind: 1, content: "forged")
        let otherKind = self.event(3, kind: 7)
        let relay = try await MockRelay.start { message, _ in
            guard case .req(let id, _) = message else { return [] }
            return [
                .event(subscriptionID: id, event: good), .event(subscriptionID: id, event: forged),
                .event(subscriptionID: id, event: otherKind), .event(subscriptionID: "not-ours", event: good),
                .endOfStoredEvents(subscriptionID: id),
            ]
        }
        let outputs = RelayOutputRecorder()
        let connection = try RelayConnection(
            url: relay.url, configuration: self.fast, verifier: { $0.content != "forged" }, onOutput: outputs.append)
        try connection.subscribe(id: "s", filters: [Filter(kinds: [1])])
        try await withRunningRelay(connection) {
            try await relayWaitUntil("EOSE") { outputs.all.contains(.endOfStoredEvents(subscriptionID: "s")) }
        }
        XCTAssertEqual(outputs.all.first, .connected)
        XCTAssertEqual(
            outputs.all.filter { if case .event = $0 { true } else { false } }, [.event(subscriptionID: "s", good)])
        let health = connection.health()
        XCTAssertEqual(health.eventsReceived, 4)
        XCTAssertEqual(health.droppedInvalid, 1)
        XCTAssertEqual(health.droppedUnmatched, 2)
        XCTAssertEqual(health.state, .closed)
        try await relay.stop()
    }

    func testAuthenticatesOnDemandWithTheInjectedSigner() async throws {
        let key = SecretKey.generate()
        let authenticated = NIOLockedValueBox(false)
        let relay = try await MockRelay.start(onConnect: [#"["AUTH","challenge-1"]"#]) { message, url in
            switch message {
            case .req(let id, _):
                return authenticated.withLockedValue { $0 }
                    ? [.endOfStoredEvents(subscriptionID: id)]
                    : [.closed(subscriptionID: id, message: "auth-required: sign in first")]
            case .auth(let event):
                let valid =
                    (try? event.validate()) != nil && event.kind == 22242 && event.pubkey == key.publicKey.hex
                    && event.tags.contains(["challenge", "challenge-1"]) && event.tags.contains(["relay", url])
                authenticated.withLockedValue { $0 = valid }
                return [.ok(eventID: event.id, accepted: valid, message: valid ? "" : "invalid: bad auth")]
            case .event, .close:
                return []
            }
        }
        let outputs = RelayOutputRecorder()
        let connection = try RelayConnection(
            url: relay.url, configuration: self.fast, verifier: { _ in true },
            signer: { request in
                try EventBuilder(kind: request.kind, content: request.content, tags: request.tags, createdAt: request.createdAt)
                    .sign(with: key)
            },
            onOutput: outputs.append)
        try connection.subscribe(id: "dm", filters: [Filter(kinds: [4])])
        try await withRunningRelay(connection) {
            try await relayWaitUntil("EOSE after AUTH") { outputs.all.contains(.endOfStoredEvents(subscriptionID: "dm")) }
            XCTAssertTrue(connection.health().authenticated)
        }
        XCTAssertFalse(outputs.all.contains { if case .subscriptionClosed = $0 { true } else { false } })
        let kinds = relay.received.map { message -> String in
            switch message {
            case .req: "REQ"
            case .auth: "AUTH"
            case .event: "EVENT"
            case .close: "CLOSE"
            }
        }
        XCTAssertEqual(kinds, ["REQ", "AUTH", "REQ"])
        try await relay.stop()
    }

    func testWithoutASignerAuthRequiredIsFinal() async throws {
        let relay = try await MockRelay.start(onConnect: [#"["AUTH","c"]"#]) { message, _ in
            guard case .req(let id, _) = message else { return [] }
            return [.closed(subscriptionID: id, message: "auth-required: no")]
        }
        let outputs = RelayOutputRecorder()
        let connection = try RelayConnection(url: relay.url, configuration: self.fast, verifier: { _ in true }, onOutput: outputs.append)
        try connection.subscribe(id: "s", filters: [Filter()])
        try await withRunningRelay(connection) {
            try await relayWaitUntil("CLOSED") { outputs.all.contains(.subscriptionClosed(subscriptionID: "s", "auth-required: no")) }
            XCTAssertEqual(connection.health().lastError, "subscription s closed by relay: auth-required: no")
        }
        try await relay.stop()
    }

    func testPublishTimesOutAndIsForgotten() async throws {
        let relay = try await MockRelay.start { _, _ in [] }  // never answers OK
        let connection = try RelayConnection(url: relay.url, configuration: self.fast, verifier: { _ in true }, onOutput: { _ in })
        try await withRunningRelay(connection) {
            let started = ContinuousClock.now
            let outcome = await connection.publish(self.event(1), timeout: .milliseconds(300))
            guard case .failed(let error) = outcome else { return XCTFail("\(outcome)") }
            XCTAssertEqual(error.code, .timeout)
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
            XCTAssertEqual(connection.health().pendingPublishes, 0)
        }
        try await relay.stop()
    }

    func testCancelledPublisherGetsCancelledAndTheEventIsForgotten() async throws {
        let relay = try await MockRelay.start { _, _ in [] }  // never answers OK
        let connection = try RelayConnection(url: relay.url, configuration: self.fast, verifier: { _ in true }, onOutput: { _ in })
        let event = self.event(1)
        try await withRunningRelay(connection) {
            await withTaskGroup(of: PublishOutcome.self) { group in
                group.addTask { await connection.publish(event, timeout: .seconds(30)) }
                try? await relayWaitUntil("sent") { relay.received.count == 1 }
                group.cancelAll()
                let outcome = await group.next()
                guard case .failed(let error) = outcome else { return XCTFail("\(String(describing: outcome))") }
                XCTAssertEqual(error.code, .cancelled)
            }
            XCTAssertEqual(connection.health().pendingPublishes, 0)
        }
        try await relay.stop()
    }

    func testPublishWhileUnreachableQueuesUpToTheBoundThenFailsAndShutdownFailsTheRest() async throws {
        var configuration = self.fast
        configuration.maxPendingPublishes = 2
        let connection = try RelayConnection(
            url: try await MockRelay.unusedURL(), configuration: configuration, verifier: { _ in true }, onOutput: { _ in })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connection.run() }
            let (event1, event2) = (self.event(1), self.event(2))
            async let first = connection.publish(event1, timeout: .seconds(30))
            async let second = connection.publish(event2, timeout: .seconds(30))
            try await relayWaitUntil("two queued") { connection.health().pendingPublishes == 2 }

            let started = ContinuousClock.now
            let third = await connection.publish(self.event(3), timeout: .seconds(30))
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(1), "fails at once, does not wait for the timeout")
            guard case .failed(let error) = third else { return XCTFail("\(third)") }
            XCTAssertEqual(error.code, .outboundQueueFull)

            try await relayWaitUntil("a failed attempt") { connection.health().consecutiveFailures >= 1 }
            let health = connection.health()
            XCTAssertTrue([.connecting, .backingOff].contains(health.state), "\(health.state)")
            XCTAssertNotNil(health.lastError)

            group.cancelAll()
            let outcomes = await [first, second]
            for outcome in outcomes {
                guard case .failed(let error) = outcome else { return XCTFail("\(outcome)") }
                XCTAssertEqual(error.code, .closed)
            }
        }
        XCTAssertEqual(connection.health().state, .closed)
        let late = await connection.publish(self.event(4))
        XCTAssertEqual(late, .failed(RelayConnectionStateMachine.closedError))
    }

    func testMalformedFramesAreCountedAndTheConnectionSurvives() async throws {
        let relay = try await MockRelay.start(onConnect: ["hello", #"["COUNT","x",{"count":1}]"#, #"["EOSE"]"#]) { message, _ in
            guard case .event(let event) = message else { return [] }
            return [.ok(eventID: event.id, accepted: true, message: "")]
        }
        let connection = try RelayConnection(url: relay.url, configuration: self.fast, verifier: { _ in true }, onOutput: { _ in })
        try await withRunningRelay(connection) {
            let outcome = await connection.publish(self.event(1))
            XCTAssertEqual(outcome, .accepted(""))
            XCTAssertEqual(connection.health().malformedMessages, 3)
            XCTAssertEqual(connection.health().reconnects, 0)
        }
        try await relay.stop()
    }

    func testReconnectsAndResubscribesFromTheNewestEventSeen() async throws {
        let now = Int64(Date().timeIntervalSince1970)
        let seen = self.event(1, createdAt: now - 10)
        let relay = try await MockRelay.start { message, _ in
            guard case .req(let id, _) = message else { return [] }
            return [.event(subscriptionID: id, event: seen), .endOfStoredEvents(subscriptionID: id)]
        }
        let outputs = RelayOutputRecorder()
        let connection = try RelayConnection(url: relay.url, configuration: self.fast, verifier: { _ in true }, onOutput: outputs.append)
        try connection.subscribe(id: "s", filters: [Filter(kinds: [1], limit: 10)])
        try await withRunningRelay(connection) {
            try await relayWaitUntil("first EOSE") { outputs.all.contains(.endOfStoredEvents(subscriptionID: "s")) }
            relay.dropConnections()
            try await relayWaitUntil("second REQ") { relay.received.count == 2 }
            XCTAssertEqual(relay.received[0], .req(subscriptionID: "s", filters: [Filter(kinds: [1], limit: 10)]))
            XCTAssertEqual(relay.received[1], .req(subscriptionID: "s", filters: [Filter(kinds: [1], since: now - 10 - 60)]))
            try await relayWaitUntil("reconnected") { connection.health().reconnects == 1 && connection.health().state == .connected }
            // The resubscription's EOSE may still be in flight; stopping before it arrives would race.
            try await relayWaitUntil("second EOSE") { outputs.all.filter { $0 == .endOfStoredEvents(subscriptionID: "s") }.count == 2 }
        }
        let sequence = outputs.all.filter { output in
            switch output {
            case .connected, .disconnected, .endOfStoredEvents: true
            case .event, .subscriptionClosed: false
            }
        }
        XCTAssertEqual(
            Array(sequence.prefix(5)),
            [.connected, .endOfStoredEvents(subscriptionID: "s"), .disconnected, .connected, .endOfStoredEvents(subscriptionID: "s")])
        try await relay.stop()
    }

    func testConcurrentPublishesOfOneEventShareOneFrameAndOneAnswer() async throws {
        let relay = try await MockRelay.start { _, _ in [] }  // the test answers by hand
        let connection = try RelayConnection(url: relay.url, configuration: self.fast, verifier: { _ in true }, onOutput: { _ in })
        let event = self.event(1)
        try await withRunningRelay(connection) {
            try await relayWaitUntil("connected") { connection.health().state == .connected }
            async let first = connection.publish(event)
            try await relayWaitUntil("EVENT sent") { relay.received.count == 1 }
            async let second = connection.publish(event)
            try await relayWaitUntil("second caller registered") {
                connection.health().pendingPublishes == 1 && relay.received.count == 1
            }
            try await Task.sleep(for: .milliseconds(100))
            relay.send(.ok(eventID: event.id, accepted: false, message: "duplicate: have it"))
            let outcomes = await [first, second]
            XCTAssertEqual(outcomes, [.accepted("duplicate: have it"), .accepted("duplicate: have it")])
            XCTAssertEqual(relay.received, [.event(event)])
        }
        try await relay.stop()
    }

    func testCancellationStopsAConnectedRunPromptly() async throws {
        let relay = try await MockRelay.start { _, _ in [] }
        let connection = try RelayConnection(url: relay.url, configuration: self.fast, verifier: { _ in true }, onOutput: { _ in })
        let started = ContinuousClock.now
        try await withRunningRelay(connection) {
            try await relayWaitUntil("connected") { connection.health().state == .connected }
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        XCTAssertEqual(connection.health().state, .closed)
        try await relayWaitUntil("relay saw the close") { relay.openConnections == 0 }
        try await relay.stop()
    }

    func testRejectsBadURLsAndSubscriptions() throws {
        for url in ["http://relay.example", "relay.example", "", "wss://", "ws:///path"] {
            XCTAssertThrowsError(try RelayConnection(url: url, verifier: { _ in true }, onOutput: { _ in }), url) { error in
                XCTAssertEqual((error as? RelayError)?.code, .invalidURL)
            }
        }
        let connection = try RelayConnection(url: "wss://relay.example", verifier: { _ in true }, onOutput: { _ in })
        XCTAssertThrowsError(try connection.subscribe(id: "", filters: [Filter()]))
        XCTAssertThrowsError(try connection.subscribe(id: String(repeating: "x", count: 65), filters: [Filter()]))
        XCTAssertThrowsError(try connection.subscribe(id: "s", filters: []))
        XCTAssertEqual(connection.health().state, .idle)
    }

    // MARK: Helpers

    func event(_ number: Int, kind: Int = 1, createdAt: Int64 = 1_700_000_000, content: String = "x") -> NostrEvent {
        RelayFixtures.event(id: RelayFixtures.id(number), createdAt: createdAt, kind: kind, content: content)
    }
}

/// Runs `connection` while `body` runs, then cancels it and waits for `run()` to return.
func withRunningRelay(_ connection: RelayConnection, body: () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await connection.run() }
        do {
            try await body()
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
    }
}

/// Polls every 20 ms until `condition` holds; fails the test after `timeout`.
func relayWaitUntil(
    _ what: String, timeout: Duration = .seconds(10), file: StaticString = #filePath, line: UInt = #line,
    _ condition: () -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else {
            XCTFail("timed out waiting for \(what)", file: file, line: line)
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

final class RelayOutputRecorder: Sendable {
    private let outputs = NIOLockedValueBox<[RelayConnection.Output]>([])
    var all: [RelayConnection.Output] { self.outputs.withLockedValue { $0 } }
    @Sendable func append(_ output: RelayConnection.Output) { self.outputs.withLockedValue { $0.append(output) } }
}

// MARK: - Mock relay

/// A scriptable relay on 127.0.0.1 over real WebSockets (SwiftNIO): it answers each client message
/// with whatever the script returns, records what it received, and can push messages or drop
/// connections on demand.
final class MockRelay: Sendable {
    /// Given a client message and the relay's own URL, the messages to answer with.
    typealias Script = @Sendable (ClientMessage, String) -> [RelayMessage]

    fileprivate struct State {
        var received: [ClientMessage] = []
        var connections: [ObjectIdentifier: any Channel] = [:]
    }

    let url: String
    private let serverChannel: any Channel
    private let state: NIOLockedValueBox<State>

    private init(url: String, serverChannel: any Channel, state: NIOLockedValueBox<State>) {
        self.url = url
        self.serverChannel = serverChannel
        self.state = state
    }

    /// - Parameter onConnect: raw frames sent as soon as a connection is upgraded.
    static func start(onConnect: [String] = [], script: @escaping Script) async throws -> MockRelay {
        let state = NIOLockedValueBox(State())
        let url = NIOLockedValueBox("")
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 20,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let handler = MockRelayFrameHandler(
                        state: state, url: url.withLockedValue { $0 }, onConnect: onConnect, script: script)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        )
        let serverChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let address = "ws://127.0.0.1:\(serverChannel.localAddress?.port ?? 0)"
        url.withLockedValue { $0 = address }
        return MockRelay(url: address, serverChannel: serverChannel, state: state)
    }

    /// A URL on which nothing listens (a port that was just bound and released).
    static func unusedURL() async throws -> String {
        let relay = try await MockRelay.start { _, _ in [] }
        try await relay.stop()
        return relay.url
    }

    var received: [ClientMessage] { self.state.withLockedValue { $0.received } }
    var openConnections: Int { self.state.withLockedValue { $0.connections.count } }

    func send(_ message: RelayMessage) {
        guard let text = try? message.jsonString() else { return }
        for channel in self.state.withLockedValue({ Array($0.connections.values) }) {
            let frame = WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: text))
            channel.writeAndFlush(frame, promise: nil)
        }
    }

    /// Closes every connection abruptly (no close handshake), like a crashing relay.
    func dropConnections() {
        for channel in self.state.withLockedValue({ Array($0.connections.values) }) {
            channel.close(promise: nil)
        }
    }

    func stop() async throws {
        self.dropConnections()
        try await self.serverChannel.close()
    }
}

private final class MockRelayFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let state: NIOLockedValueBox<MockRelay.State>
    private let url: String
    private let onConnect: [String]
    private let script: MockRelay.Script
    private var text = ""

    init(state: NIOLockedValueBox<MockRelay.State>, url: String, onConnect: [String], script: @escaping MockRelay.Script) {
        self.state = state
        self.url = url
        self.onConnect = onConnect
        self.script = script
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        self.state.withLockedValue { $0.connections[ObjectIdentifier(channel)] = channel }
        for text in self.onConnect {
            self.write(text, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let channel = context.channel
        self.state.withLockedValue { _ = $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .continuation:
            var data = frame.unmaskedData
            self.text += data.readString(length: data.readableBytes) ?? ""
            guard frame.fin else { return }
            let text = self.text
            self.text = ""
            guard let message = try? ClientMessage(json: text) else { return }
            self.state.withLockedValue { $0.received.append(message) }
            for reply in self.script(message, self.url) {
                if let text = try? reply.jsonString() { self.write(text, context: context) }
            }
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(self.wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)
            let channel = context.channel
            context.writeAndFlush(self.wrapOutboundOut(close)).whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }

    private func write(_ text: String, context: ChannelHandlerContext) {
        let frame = WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: text))
        context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
    }
}
