import Foundation
import NostrBridge
import XCTest

/// NIP-42 against a real relay that demands authentication (nostr-sdk's LocalRelay in NIP-42 mode).
final class RelayAuthIntegrationTests: XCTestCase {
    let key = SecretKey.generate()
    let configuration = RelayPoolConfiguration(connection: RelayConnectionConfiguration(
        backoff: RelayBackoff(initialDelay: .milliseconds(100), maximumDelay: .milliseconds(800), jitter: 0.2),
        publishTimeout: .seconds(5), connectTimeout: .seconds(5), pingInterval: .seconds(5)))

    private func run<T>(_ pool: RelayPool, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    func testAuthenticatesWhenChallengedAndIsRefusedWithoutASigner() async throws {
        let bed = try TestBed.load()
        let url = try bed.require("NCN_RELAY_AUTH_URL")
        let event = try EventBuilder(kind: 1, content: "needs auth", tags: [["t", "ncn-auth-\(UInt32.random(in: 0...UInt32.max))"]],
                                     createdAt: NostrEvent.currentTimestamp()).sign(with: key)

        // Without a signer the relay's auth-required refusal stands.
        let anonymous = try RelayPool(relays: [url], configuration: configuration)
        let refused = try await run(anonymous) { await anonymous.publish(event) }
        XCTAssertFalse(refused[url]?.isSuccess ?? true, "\(refused)")

        let signer: RelayAuthSigner = { [key] request in
            try EventBuilder(kind: request.kind, content: request.content, tags: request.tags, createdAt: request.createdAt).sign(with: key)
        }
        let authenticated = try RelayPool(relays: [url], configuration: configuration, signer: signer)
        try await run(authenticated) {
            let outcome = await authenticated.publish(event)
            XCTAssertTrue(outcome[url]?.isSuccess ?? false, "\(outcome)")
            XCTAssertEqual(authenticated.health().relays[url]?.authenticated, true)

            // Reads need authentication too: the stored event comes back to the authenticated client.
            var received: [String] = []
            for await item in try authenticated.subscribe([Filter(ids: [event.id])]) {
                if case let .event(found, _) = item { received.append(found.id) }
                if case .endOfStoredEvents = item { break }
            }
            XCTAssertEqual(received, [event.id])
        }
    }
}
