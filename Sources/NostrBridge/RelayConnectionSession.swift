import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import WSClient

/// The lifetime of one WebSocket connection to the relay: connect (with a timeout), then a writer,
/// a reader and an AUTH signer as child tasks until the connection ends, then report to the state
/// machine whether it was a failed attempt or a disconnect.
extension RelayConnection {

    /// Connects, serves the connection until it ends, and returns the state machine's verdict.
    func connectOnce() async -> Effects {
        let didConnect = NIOLockedValueBox(false)
        let webSocketConfiguration = self.webSocketConfiguration
        var failure: (any Error)?
        do {
            try await withThrowingTaskGroup(of: ConnectChild.self) { group in
                group.addTask {
                    try await WebSocketClient.connect(
                        url: self.url,
                        configuration: webSocketConfiguration,
                        logger: self.logger
                    ) { inbound, outbound, _ in
                        didConnect.withLockedValue { $0 = true }
                        try await self.serve(inbound: inbound, outbound: outbound)
                    }
                    return .connection
                }
                group.addTask {
                    try await Task.sleep(for: self.configuration.connectTimeout)
                    guard didConnect.withLockedValue({ $0 }) else {
                        throw RelayError(.connectionFailed, "no WebSocket connection within \(self.configuration.connectTimeout)")
                    }
                    return .timer
                }
                // Wait for the connection to end; the timer either passed harmlessly or failed it.
                while let child = try await group.next() {
                    if child == .connection { break }
                }
                group.cancelAll()
            }
        } catch {
            failure = error
        }

        let now = Self.now()
        let wasConnected = didConnect.withLockedValue { $0 }
        let description = failure.map(Self.describe) ?? "connection closed by relay"
        var effects = self.shared.withLockedValue { shared in
            shared.outbound = nil
            shared.authRequests = nil
            shared.health.connectedSince = nil
            // A relay dropping us is worth surfacing; our own shutdown is not.
            if !Task.isCancelled {
                shared.health.lastError = description
                shared.health.lastErrorAt = Date()
            }
            return shared.apply(wasConnected ? shared.machine.disconnected(now: now) : shared.machine.connectFailed())
        }
        if wasConnected {
            self.logger.info("disconnected", metadata: ["reason": "\(description)"])
            effects.outputs.insert(.disconnected, at: 0)
        } else {
            self.logger.debug("connection attempt failed", metadata: ["error": "\(description)"])
        }
        return effects
    }

    enum ConnectChild: Sendable { case connection, timer }

    /// See `serve`: generous next to what the state machine lets through, small next to memory.
    var outboundFrameLimit: Int { max(64, 2 * self.configuration.maxPendingPublishes + 256) }

    var webSocketConfiguration: WebSocketClientConfiguration {
        var webSocketConfiguration = WebSocketClientConfiguration(
            maxFrameSize: self.configuration.maxMessageSize,
            closeTimeout: self.configuration.closeTimeout,
            autoPing: self.configuration.pingInterval.map { .enabled(timePeriod: $0) } ?? .disabled
        )
        // Relays behind TLS terminators often skip close_notify; that is not worth an error.
        webSocketConfiguration.ignoreUncleanSSLShutdownErrors = true
        return webSocketConfiguration
    }

    /// The body of one live WebSocket: a writer, a reader and (with a signer) an AUTH signer.
    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        // Per-connection streams, so a frame meant for a dead connection never reaches the next one.
        // Normally the state machine keeps the outbound stream short (pending publishes are capped,
        // REQ/CLOSE follow subscriptions); the explicit bound is for a relay that stops reading.
        // Overflowing it aborts the connection: everything that matters is re-sent on the next one.
        let (frames, framesContinuation) = AsyncStream.makeStream(
            of: ClientMessage.self,
            bufferingPolicy: .bufferingOldest(self.outboundFrameLimit)
        )
        // Only the latest challenge matters.
        let (authRequests, authContinuation) = AsyncStream.makeStream(
            of: RelayAuthRequest.self,
            bufferingPolicy: .bufferingNewest(1)
        )
        let (aborts, abortContinuation) = AsyncStream.makeStream(of: RelayError.self, bufferingPolicy: .bufferingNewest(1))
        let now = Self.now()
        var effects = self.shared.withLockedValue { shared in
            // Installed in the same critical section that tells the state machine we are connected,
            // so frames it emits from now on have somewhere to go.
            shared.outbound = framesContinuation
            shared.authRequests = authContinuation
            shared.abort = abortContinuation
            if shared.everConnected { shared.health.reconnects += 1 }
            shared.everConnected = true
            shared.health.connectedSince = Date()
            return shared.apply(shared.machine.connectSucceeded(now: now))
        }
        effects.outputs.insert(.connected, at: 0)
        self.logger.info("connected")
        self.execute(effects)

        defer {
            self.shared.withLockedValue { shared in
                shared.outbound = nil
                shared.authRequests = nil
                shared.abort = nil
            }
            framesContinuation.finish()
            authContinuation.finish()
            abortContinuation.finish()
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await frame in frames {
                    try await outbound.write(.text(try frame.jsonString()))
                }
                // The stream was finished on purpose (`closeConnection`): start the closing handshake.
                // The relay's close frame normally ends the reader; if it never comes, give up.
                if !Task.isCancelled {
                    try await outbound.close(.normalClosure, reason: nil)
                    try await Task.sleep(for: self.configuration.closeTimeout)
                    throw ConnectionEnded()
                }
            }
            if let signer = self.signer {
                group.addTask {
                    for await request in authRequests {
                        await self.authenticate(request, signer: signer)
                    }
                }
            }
            group.addTask {
                for await error in aborts {
                    throw error
                }
            }
            group.addTask {
                for try await message in inbound.messages(maxSize: self.configuration.maxMessageSize) {
                    self.receive(message)
                }
                throw ConnectionEnded()
            }
            // Ends on the reader finishing (relay closed; the marker error) or any child failing.
            do {
                while try await group.next() != nil {}
            } catch is ConnectionEnded {
                group.cancelAll()
            }
        }
    }

    /// Thrown by the reader when the relay closes, to stop the sibling tasks.
    struct ConnectionEnded: Error {}

    func receive(_ message: WebSocketMessage) {
        let text: String
        switch message {
        case .text(let string): text = string
        case .binary(let buffer): text = String(buffer: buffer)
        }
        let parsed: RelayMessage
        do {
            parsed = try RelayMessage(json: text)
        } catch {
            let count = self.shared.withLockedValue {
                $0.health.malformedMessages += 1
                return $0.health.malformedMessages
            }
            let level: Logger.Level = error.code == .unsupportedMessage || !Self.isWorthLogging(count) ? .debug : .warning
            self.logger.log(level: level, "unusable message from relay", metadata: ["error": "\(error.message)", "count": "\(count)"])
            return
        }
        switch parsed {
        case .event(_, let event):
            // Verified outside the lock: it is the expensive step (BIP-340).
            let valid = self.verifier(event)
            let invalidCount = self.shared.withLockedValue {
                $0.health.eventsReceived += 1
                if !valid { $0.health.droppedInvalid += 1 }
                return $0.health.droppedInvalid
            }
            guard valid else {
                let level: Logger.Level = Self.isWorthLogging(invalidCount) ? .notice : .debug
                self.logger.log(
                    level: level, "dropped invalid event",
                    metadata: ["id": "\(event.id.prefix(64))", "count": "\(invalidCount)"])
                return
            }
        case .notice(let notice):
            self.logger.info("relay notice", metadata: ["notice": "\(notice.prefix(500))"])
        case .ok, .endOfStoredEvents, .closed, .auth:
            break
        }
        let now = Self.now()
        self.execute(self.feed { $0.received(parsed, now: now) })
    }

    func authenticate(_ request: RelayAuthRequest, signer: RelayAuthSigner) async {
        let effects: Effects
        do {
            let event = try await signer(request)
            effects = self.feed { $0.authSigned(event) }
            self.logger.debug("sent AUTH")
        } catch {
            effects = self.feed { $0.authSigningFailed("signer failed: \(error)") }
        }
        self.execute(effects)
    }
}
