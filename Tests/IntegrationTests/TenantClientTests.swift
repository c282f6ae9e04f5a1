import Foundation
import NostrBridge
import XCTest

/// `TenantClient` (testbed/interop/tenant.py, nostr-sdk as the tenant) against the test bed's
/// relays, with this test playing the provider through our own `RelayPool`. No operator needed:
/// this checks the tool the end-to-end tests rely on, not the bridge.
final class TenantClientTests: XCTestCase {
    let provider = SecretKey.generate()

    let configuration = RelayPoolConfiguration(
        connection: RelayConnectionConfiguration(
            backoff: RelayBackoff(initialDelay: .milliseconds(100), maximumDelay: .milliseconds(800), jitter: 0.2),
            publishTimeout: .seconds(10),
            connectTimeout: .seconds(5)))

    func answer(_ kind: Int, _ tags: [[String]], content: String = "") throws -> NostrEvent {
        try EventBuilder(kind: kind, content: content, tags: tags, createdAt: NostrEvent.currentTimestamp()).sign(with: provider)
    }

    func sealed(_ kind: Int, request: String, to tenant: TenantClient, _ hidden: [[String]]) throws -> NostrEvent {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: hidden), as: UTF8.self)
        let content = try NIP44.encrypt(json, secretKey: provider, peer: tenant.key.publicKey)
        return try answer(kind, [["e", request], ["p", tenant.pubkey], ["encrypted"]], content: content)
    }

    func publish(_ pool: RelayPool, _ events: NostrEvent...) async {
        for event in events {
            let outcomes = await pool.publish(event)
            XCTAssertTrue(outcomes.values.allSatisfy(\.isSuccess), "\(outcomes)")
        }
    }

    // MARK: Tests

    func testEncryptedRequestThenAnswersInAnyOrderThenCancel() async throws {
        let bed = try TestBed.load()
        let tenant = try TenantClient(bed: bed)
        let pool = try RelayPool(relays: tenant.relays, configuration: configuration)
        try await withRunning(pool) {
            var spec = TenantRequest()
            spec.provider = provider.publicKey.hex
            spec.encrypt = "nip44"
            spec.secretEnv = ["DB_PASSWORD": "hunter2"]
            spec.ports = ["8080/tcp/http"]
            let published = try await tenant.request(spec)
            XCTAssertEqual(Set(published.relays.ok), Set(tenant.relays), "\(published.relays.failed)")
            XCTAssertEqual(published.event.kind, 5900)
            XCTAssertEqual(published.event.tags, [["p", provider.publicKey.hex], ["encrypted"]])
            XCTAssertNoThrow(try published.event.validate())
            let hidden = try NIP44.decrypt(published.event.content, secretKey: provider, peer: tenant.key.publicKey)
            let tags = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(hidden.utf8)) as? [[String]])
            XCTAssertTrue(tags.contains(["param", "secret-env", "DB_PASSWORD", "hunter2"]), "\(tags)")
            XCTAssertTrue(tags.contains(["param", "port", "8080", "tcp", "http"]), "\(tags)")
            XCTAssertTrue(tags.contains(["bid", "1000000"]), "\(tags)")

            let request = published.id
            let watch = try await tenant.watch(request: request, provider: provider.publicKey.hex, until: ["terminated"])
            let bid = try answer(6900, [["e", request], ["p", tenant.pubkey], ["status", "bid"], ["amount", "3000"],
                                        ["interval", "600"], ["total", "3000"]])
            let invoice = try answer(7000, [["e", request], ["p", tenant.pubkey], ["status", "payment-required"],
                                            ["amount", "3000", "lnbc30n1fake"], ["tranche", "0"]])
            let running = try sealed(6900, request: request, to: tenant, [
                ["status", "running"], ["endpoint", "127.0.0.1", "31080", "tcp", "http"], ["paid-until", "1767226220"]])
            let before = Date()
            await publish(pool, bid, invoice, running)

            // Asked in the other order than sent: each answer is handed out once, wherever it is.
            let paymentRequired = try await watch.next(status: "payment-required")
            XCTAssertEqual(paymentRequired.bolt11, "lnbc30n1fake")
            XCTAssertEqual(paymentRequired.amount, 3000)
            XCTAssertEqual(paymentRequired.tranche, 0)
            let seenBid = try await watch.next(status: "bid", kind: 6900)
            XCTAssertEqual(seenBid.interval, 600)
            // The child stamps arrival itself, so latencies measured from it do not include polling.
            XCTAssertLessThan(abs(seenBid.receivedDate.timeIntervalSince(before)), 10)
            let seenRunning = try await watch.next(status: "running")
            XCTAssertEqual(seenRunning.encrypted, "nip44")
            XCTAssertEqual(seenRunning.endpoints, [.init(host: "127.0.0.1", port: 31080, protocol: "tcp", name: "http")])
            XCTAssertEqual(seenRunning.paidUntil, 1_767_226_220)

            let cancel = try await tenant.cancel(request, reason: "done")
            XCTAssertEqual(cancel.event.kind, 5)
            XCTAssertEqual(cancel.event.tags, [["e", request], ["k", "5900"]])
            try await publish(pool, sealed(6900, request: request, to: tenant, [["status", "terminated"], ["reason", "cancelled"]]))
            let terminated = try await watch.next(status: "terminated")
            XCTAssertEqual(terminated.reason, "cancelled")
            let ended = try await eventually("the watch to say it is done at --until terminated") { watch.ended }
            XCTAssertEqual(ended, "done")
            XCTAssertEqual(watch.seen.count, 4)
        }
    }

    func testOfferNutzapAndTimestamping() async throws {
        let bed = try TestBed.load()
        let tenant = try TenantClient(bed: bed)
        let pool = try RelayPool(relays: tenant.relays, configuration: configuration)
        try await withRunning(pool) {
            let d = "tenant-client-\(UInt32.random(in: 0 ... .max))"
            let offer = try answer(31900, [["d", d], ["k", "5900"], ["capacity", "cpu", "3500", "4000"],
                                           ["capacity", "memory", "1073741824", "2147483648"],
                                           ["capacity", "gpu", "1", "2", "NVIDIA-H100-80GB-HBM3"],
                                           ["price", "cpu", "20000"], ["price", "gpu", "2000000", "NVIDIA-H100-80GB-HBM3"],
                                           ["interval", "600"], ["grace", "60"], ["rail", "cashu"],
                                           ["mint", "http://127.0.0.1:13338", "sat"]])
            await publish(pool, offer)
            let maybeOffer = try await tenant.offer(provider: provider.publicKey.hex, d: d, wait: .seconds(5))
            let fetched = try XCTUnwrap(maybeOffer)
            XCTAssertEqual(fetched.id, offer.id)
            XCTAssertEqual(fetched.cpu, .init(free: 3500, total: 4000))
            XCTAssertEqual(fetched.memory, .init(free: 1_073_741_824, total: 2_147_483_648))
            XCTAssertEqual(fetched.gpus, ["NVIDIA-H100-80GB-HBM3": .init(free: 1, total: 2)])
            XCTAssertEqual(fetched.prices, ["cpu": 20000])
            XCTAssertEqual(fetched.gpuPrices, ["NVIDIA-H100-80GB-HBM3": 2_000_000])
            XCTAssertEqual(fetched.rails, ["cashu"])
            let missing = try await tenant.offer(provider: provider.publicKey.hex, d: d + "-absent")
            XCTAssertNil(missing)

            let wallet = try CashuTestWallet(bed: bed)
            defer { wallet.remove() }
            try wallet.fund(10)
            let lock = "02" + SecretKey.generate().publicKey.hex
            let token = try wallet.send(2, lock: lock)
            let request = String(repeating: "ab", count: 32)
            let zap = try await tenant.nutzap(request: request, provider: provider.publicKey.hex, token: token, comment: "tranche 1")
            XCTAssertEqual(zap.amount, 2)
            XCTAssertEqual(zap.lockedTo, [lock])
            XCTAssertEqual(zap.event.kind, 9321)
            XCTAssertEqual(zap.event.tags.filter { $0.first != "proof" },
                           [["unit", "sat"], ["u", wallet.mint], ["e", request], ["k", "5900"], ["p", provider.publicKey.hex]])
            XCTAssertFalse(zap.event.tags.filter { $0.first == "proof" }.isEmpty)

            let stamp = try await tenant.timestamping()
            XCTAssertEqual(stamp.event.kind, 5900)
            XCTAssertEqual(stamp.event.tags.map(\.first), ["i"])
            let again = try await tenant.republish(stamp.event)
            XCTAssertEqual(again.id, stamp.id)
            XCTAssertEqual(Set(again.relays.ok), Set(tenant.relays), "a duplicate counts as stored")
        }
    }

    func testWatchThatTimesOutFailsNextWithWhatItSaw() async throws {
        let bed = try TestBed.load()
        let tenant = try TenantClient(bed: bed)
        let request = SecretKey.generate().publicKey.hex  // a fresh request id: nothing answers it
        let watch = try await tenant.watch(request: request, timeout: .seconds(2))
        do {
            _ = try await watch.next(status: "bid", timeout: .seconds(20))
            XCTFail("nothing answered \(request), yet next returned")
        } catch let error as TenantWatchError {
            XCTAssertTrue(error.why.contains("timeout"), error.description)
            XCTAssertTrue(error.seen.isEmpty)
        }
        XCTAssertEqual(watch.ended, "timeout")
    }

    private func withRunning(_ pool: RelayPool, body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            defer { group.cancelAll() }
            try await body()
        }
    }
}
