import Foundation
import Logging
import NIOConcurrencyHelpers
import NostrBridge

/// Sending requests and waiting for the answers.
extension NWCWallet {
    /// One request, start to finish: prepare, send (re-sending as needed), decode the result.
    public func call<Result: Decodable>(_ method: String, params: some Encodable, as type: Result.Type) async throws -> Result {
        let response = try await self.send(try await self.prepare(method: method, params: params))
        do {
            return try response.result(type)
        } catch {
            // The wallet could not read us: its info event may have changed; read it again next time.
            if error.code == .unsupportedEncryption { self.state.withLockedValue { $0.info = nil } }
            throw error
        }
    }

    /// Builds and signs one request with the encryption the wallet prefers, after checking that
    /// its info event lists the method. Send it with `send(_:)`, as often as needed.
    public func prepare(method: String, params: some Encodable) async throws -> NWCRequest {
        let info = try await self.info()
        guard info.supports(method) else {
            throw NWCError(.methodNotSupported, "the wallet does not offer \(method) (it lists \(info.methods.sorted().joined(separator: " ")))")
        }
        guard let encryption = info.preferredEncryption else {
            throw NWCError(.unsupportedEncryption, "the wallet speaks only \(info.unknownEncryptions.joined(separator: " ")), none of nip44_v2 nip04")
        }
        let now = NostrEvent.currentTimestamp()
        let lifetime = max(1, Int64(self.configuration.requestLifetime.components.seconds))
        return try NWCRequest(
            method: method, params: params, encryption: encryption,
            clientKey: self.clientKey, wallet: self.walletPublicKey, createdAt: now, expiresAt: now + lifetime)
    }

    /// Publishes the request and waits for the wallet's answer until the request expires.
    ///
    /// Unanswered, the *same signed event* is published again every `resendInterval`. Relays and
    /// connections drop ephemeral events silently, so re-sending is what makes delivery
    /// dependable; and since every copy has the same id, a wallet that de-duplicates by id acts
    /// once and answers each copy with its first response. A fresh event per attempt would look
    /// like a new request, and one tranche could end up with two invoices. Calling `send` again
    /// with the same request is just as safe, for the same reason.
    public func send(_ request: NWCRequest) async throws -> NWCResponse {
        let remaining = Double(request.expiresAt) - Date().timeIntervalSince1970
        guard remaining > 0 else {
            throw NWCError(.timeout, "the \(request.method) request \(request.event.id) has expired; prepare a new one")
        }
        let responses: AsyncStream<RelaySubscriptionEvent>
        do {
            responses = try self.pool.subscribe([
                Filter(authors: [self.walletPublicKey.hex], kinds: [NWCKind.response], tags: ["e": [request.event.id]])
            ])
        } catch {
            throw NWCError(.invalidConnection, "cannot subscribe to the wallet's responses: \(error)")
        }
        // Finished once a relay holds the response subscription: publishing only then means the
        // answer, which relays do not store, cannot arrive before anyone listens for it.
        let (subscribed, subscribedContinuation) = AsyncStream.makeStream(of: Void.self)
        let attempts = NIOLockedValueBox(Attempts())
        let wallet = self.walletPublicKey.hex
        let resendInterval = self.configuration.resendInterval
        self.logger.debug(
            "NWC request", metadata: ["method": "\(request.method)", "id": "\(request.event.id)", "encryption": "\(request.encryption)"])

        let outcome: SendOutcome = await withTaskGroup(of: SendOutcome.self) { group in
            group.addTask {
                defer { subscribedContinuation.finish() }
                for await item in responses {
                    switch item {
                    case .endOfStoredEvents:
                        subscribedContinuation.finish()
                    case .event(let event, _):
                        if event.pubkey == wallet, event.kind == NWCKind.response,
                           event.referencedEventIDs.contains(request.event.id) {
                            return .response(event)
                        }
                    }
                }
                return .closed
            }
            group.addTask {
                for await _ in subscribed {}
                while !Task.isCancelled {
                    let started = ContinuousClock.now
                    let outcomes = await self.pool.publish(request.event, timeout: resendInterval)
                    attempts.withLockedValue { $0.record(outcomes) }
                    try? await Task.sleep(until: started + resendInterval, clock: .continuous)
                }
                return .closed
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int64(remaining * 1000)))
                return .expired
            }
            let first = await group.next() ?? .closed
            group.cancelAll()
            return first
        }
        try Task.checkCancellation()

        switch outcome {
        case .response(let event):
            return try NWCResponse(method: request.method, event: event, clientKey: self.clientKey, wallet: self.walletPublicKey)
        case .closed:
            throw NWCError(.closed, "the wallet's relay pool stopped before \(request.method) was answered")
        case .expired:
            let summary = attempts.withLockedValue { $0 }
            if summary.accepted == 0 {
                throw NWCError(
                    .publishFailed,
                    "no relay accepted the \(request.method) request in \(summary.sent) attempts (\(summary.lastFailure ?? "never sent"))\(self.notRunningHint)")
            }
            throw NWCError(
                .timeout,
                "the wallet did not answer \(request.method) before the request expired (sent \(summary.sent) times, accepted \(summary.accepted) times)")
        }
    }

    var notRunningHint: String {
        self.state.withLockedValue { $0.running } ? "" : "; NWCWallet.run() is not running"
    }
}
