import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import Operator
import XCTest

/// Issue 7's end-to-end runs: the tenant is nostr-sdk (`testbed/interop/tenant.py`, an independent
/// NIP-90 client), the provider is the `ncn-operator` binary with its ServiceAccount's rights, and
/// everything else is real: both relays, the apiserver and scheduler, LNbits and the Cashu mint.
/// Only the kubelet of the fake GPU node is played by the test. Intervals are 10 s.
final class MarketEndToEndTests: XCTestCase {
    private var market: MarketBed!
    private var bed: TestBed { market.bed }
    private var node: String { market.node }
    private var gpuModel: String { market.gpuModel }
    private var providerKey: SecretKey { market.providerKey }
    private var cashuKey: SecretKey { market.cashuKey }

    override func setUp() async throws {
        market = try MarketBed()
    }

    override func tearDown() {
        market?.tearDown()
        super.tearDown()
    }

    private func withProvider(_ body: (KubernetesClient, () throws -> OperatorProcess) async throws -> Void) async throws {
        try await market.withProvider({ _ in }, body)
    }

    private func playKubelet(_ admin: KubernetesClient, lease: String) async throws {
        try await market.playKubelet(admin, lease: lease)
    }

    private func pay(_ seen: TenantSeen) async throws {
        try await market.pay(seen)
    }

    // 1 and 5: a GPU job from request to the end of its payments; the offer follows capacity.
    func testAGPUJobIsBidPaidRunRenewedTwiceAndEndsUnpaid() async throws {
        try await withProvider { admin, start in
            let running = try start()
            defer { running.kill() }
            let tenant = try TenantClient(bed: bed)
            let published = try await tenant.request(TenantRequest(
                cpu: "500m", memory: "256Mi", gpus: 1, gpuModel: gpuModel, ports: ["8080/tcp/http"], duration: 600, bidMsats: 100_000_000,
                provider: providerKey.publicKey.hex))
            let sentAt = Date().timeIntervalSince1970
            let watch = try await tenant.watch(request: published.id, provider: providerKey.publicKey.hex, until: ["terminated", "completed"])
            defer { watch.stop() }
            let lease = ComputeLease.name(forRequestEventId: published.id)

            let bid = try await watch.next(status: "bid", kind: 6900)
            let firstInvoice = try await watch.next(status: "payment-required", kind: 7000)
            let bidLatency = max(bid.receivedAt, firstInvoice.receivedAt) - sentAt
            XCTAssertLessThan(bidLatency, 1.0, "bid and payment-required within 1 s of the request")
            // 500 + 25 + 10 000 + 3 msats for 0.5 core, 256 MiB, one GPU and the default 10Gi of disk for 10 s, up to whole sats.
            XCTAssertEqual(bid.price, 11_000)
            XCTAssertEqual(bid.costs["disk"], 3)
            XCTAssertEqual(firstInvoice.amount, bid.price)

            let paidAt = Date()
            try await pay(firstInvoice)
            _ = try await eventually("the pod to be created", timeout: .seconds(20), every: .milliseconds(50)) { () -> Pod? in
                try? await admin.leasePod(lease)
            }
            let podLatency = Date().timeIntervalSince(paidAt)
            print("MEASURED request→bid+payment-required \(String(format: "%.3f", bidLatency)) s; payment→Pod created \(String(format: "%.3f", podLatency)) s")
            try await playKubelet(admin, lease: lease)
            let up = try await watch.next(status: "running", kind: 6900)
            XCTAssertEqual(up.endpoints.first?.host, "127.0.0.1")
            XCTAssertEqual(up.endpoints.first?.name, "http")
            let leased = try await admin.get(ComputeLease.self, name: lease)
            XCTAssertEqual(leased.status?.phase, .running)
            XCTAssertEqual(leased.status?.node, node)

            // The offer, fetched by nostr-sdk by kind, author and d, counts the GPU the lease took.
            let offer = try await eventually("the offer to show the GPU taken", timeout: .seconds(40), every: .seconds(1)) { () -> TenantOffer? in
                let offer = try await tenant.offer(provider: self.providerKey.publicKey.hex, d: "default")
                return offer?.gpus[self.gpuModel]?.free == 1 ? offer : nil
            }
            XCTAssertEqual(offer.gpus[gpuModel]?.total, 2)

            // Two renewals paid, then the tenant stops paying.
            for tranche in 1...2 {
                let renewal = try await watch.next(where: { $0.kind == 7000 && $0.status == "payment-required" && $0.tranche == tranche },
                                                   timeout: .seconds(30))
                try await pay(renewal)
            }
            let ended = try await watch.next(status: "terminated", kind: 6900, timeout: .seconds(60))
            XCTAssertEqual(ended.reason, "unpaid")
            let final = try await admin.get(ComputeLease.self, name: lease)
            XCTAssertEqual(final.status?.ledger?.tranchesPaid, 3)
            XCTAssertEqual(final.status?.terminationReason, .paymentLapsed)

            // The provider's record of it, written before the tenant heard of the end.
            let endedAt = try XCTUnwrap(final.metadata.deletionTimestamp.flatMap { Timestamp(rfc3339: $0) }).date
            let book = try await admin.get(ConfigMap.self, name: AuditBook.configMapName(day: AuditBook.day(of: endedAt), lease: lease),
                                           namespace: "ncn-system")
            XCTAssertEqual(book.metadata.labels?[AuditBook.dayLabel], AuditBook.day(of: endedAt))
            let record = try JSONDecoder().decode(LeaseAuditRecord.self, from: Data(try XCTUnwrap(book.data?[lease]).utf8))
            XCTAssertEqual(record.tenantPubkey, tenant.key.publicKey.hex)
            XCTAssertEqual(record.requestEventId, published.id)
            XCTAssertEqual([record.gpus, record.tranchesPaid], [1, 3])
            XCTAssertEqual(record.msatsReceived, 3 * (bid.price ?? 0))
            XCTAssertEqual(record.endReason, TerminationReason.paymentLapsed.rawValue)
            XCTAssertEqual(record.node, node)
            XCTAssertNotNil(record.startedAt)
        }
    }

    // 2: Cashu inside an encrypted request, the renewal by a nutzap locked to the advertised key.
    func testCashuInAnEncryptedRequestThenANutzapRenewal() async throws {
        let wallet = try CashuTestWallet(bed: bed)
        defer { wallet.remove() }
        try wallet.fund(50)
        try await withProvider { admin, start in
            let running = try start()
            defer { running.kill() }
            let tenant = try TenantClient(bed: bed)
            let token = try wallet.send(2)
            let published = try await tenant.request(TenantRequest(
                cpu: "100m", memory: "64Mi", duration: 600, bidMsats: 1_000_000, rail: "cashu", cashuTokens: [token],
                provider: providerKey.publicKey.hex, encrypt: "nip44"))
            let watch = try await tenant.watch(request: published.id, provider: providerKey.publicKey.hex)
            defer { watch.stop() }
            let lease = ComputeLease.name(forRequestEventId: published.id)
            let bid = try await watch.next(status: "bid", kind: 6900)
            XCTAssertEqual(bid.encrypted, "nip44", "answers to an encrypted request are encrypted")
            XCTAssertEqual(bid.price, 1_000)
            let credited = try await eventually("the token in the request to be credited", timeout: .seconds(30)) { () -> ComputeLease? in
                let lease = try await admin.get(ComputeLease.self, name: lease)
                return (lease.status?.ledger?.tranchesPaid ?? 0) >= 2 ? lease : nil
            }
            XCTAssertEqual(credited.status?.ledger?.credits?.first?.rail, .cashu)

            // The next tranche is asked for with the provider's Cashu terms; the tenant nutzaps locked proofs.
            let due = try await watch.next(where: { $0.kind == 7000 && $0.status == "payment-required" && ($0.tranche ?? 0) >= 2 },
                                           timeout: .seconds(40))
            let lockKey = try XCTUnwrap(due.p2pk)
            XCTAssertEqual(lockKey, "02" + cashuKey.publicKey.hex)
            let locked = try wallet.send(3, lock: lockKey)
            _ = try await tenant.nutzap(request: published.id, provider: providerKey.publicKey.hex, token: locked)
            let renewed = try await eventually("the nutzap to be credited", timeout: .seconds(30)) { () -> ComputeLease? in
                let lease = try await admin.get(ComputeLease.self, name: lease)
                return (lease.status?.ledger?.msatsReceived ?? 0) >= 5_000 ? lease : nil
            }
            XCTAssertEqual(renewed.status?.ledger?.credits?.count, 2)
            XCTAssertEqual(renewed.status?.ledger?.credits?.allSatisfy { $0.rail == .cashu }, true)
        }
    }

    // 3, 4 and 6: cancellation, bad and ignorable requests, and a restart in the middle of the flow.
    func testCancellationBadRequestsAndAnOperatorRestartMidFlow() async throws {
        try await withProvider { admin, start in
            var running = try start()
            defer { running.kill() }
            let tenant = try TenantClient(bed: bed)
            let provider = providerKey.publicKey.hex

            // 4: precise errors for requests the provider cannot serve.
            let cases: [(TenantRequest, String)] = [
                (TenantRequest(gpus: 1, gpuModel: "NO-SUCH-GPU", provider: provider), "GPU model NO-SUCH-GPU is not offered by this provider"),
                (TenantRequest(duration: 900_000, bidMsats: 999_999_999_999, provider: provider),
                 "duration 900000 s is over this provider's maximum of 604800 s"),
                (TenantRequest(bidMsats: 1, provider: provider), "your bid of 1 msats is below the price"),
            ]
            for (request, message) in cases {
                let published = try await tenant.request(request)
                let watch = try await tenant.watch(request: published.id, provider: provider, until: ["error"])
                let refusal = try await watch.next(status: "error", kind: 7000)
                watch.stop()
                XCTAssertTrue(refusal.statusText?.hasPrefix(message) ?? false, "\(refusal.statusText ?? "nil") should start with \(message)")
            }
            // A timestamping 5900 and an expired request get nothing and create nothing.
            let stamp = try await tenant.timestamping()
            let expired = try await tenant.request(TenantRequest(provider: provider, extra: ["--expiration", String(Int(Date().timeIntervalSince1970) - 60)]))

            // A forged request (someone else's pubkey, a signature that does not match) through the
            // relay that does not check: the operator drops it.
            let genuine = try EventBuilder(kind: 5900, content: "", tags: [
                ["param", "image", "busybox:1.36"], ["param", "cpu", "100m"], ["param", "memory", "64Mi"], ["param", "duration", "600"],
                ["bid", "10000000"], ["p", provider],
            ]).sign(with: SecretKey.generate())
            var forgedJSON = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(genuine.jsonString().utf8)) as? [String: Any])
            forgedJSON["pubkey"] = tenant.pubkey
            let forged = try NostrEvent.decode(json: String(decoding: try JSONSerialization.data(withJSONObject: forgedJSON), as: UTF8.self))
            let noverify = try RelayPool(relays: [try bed.require("NCN_RELAY_NOVERIFY_URL")])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await noverify.run() }
                let outcome = await noverify.publish(forged, timeout: .seconds(10))
                XCTAssertTrue(outcome.values.allSatisfy(\.isSuccess), "the no-verify relay takes it: \(outcome)")
                group.cancelAll()
            }

            // 6: a request is bid on, the operator is killed, a new one starts; paying works and nothing is bid twice.
            let published = try await tenant.request(TenantRequest(cpu: "100m", memory: "64Mi", duration: 600, bidMsats: 10_000_000, provider: provider))
            let lease = ComputeLease.name(forRequestEventId: published.id)
            let watch = try await tenant.watch(request: published.id, provider: provider, until: ["terminated"])
            defer { watch.stop() }
            let invoice = try await watch.next(status: "payment-required", kind: 7000)
            running.kill()
            running = try start()
            _ = try await tenant.republish(published.event)  // the same request again: still one lease, one bid
            try await pay(invoice)
            _ = try await eventually("the payment to be credited after the restart", timeout: .seconds(30)) { () -> ComputeLease? in
                let lease = try await admin.get(ComputeLease.self, name: lease)
                return lease.status?.ledger?.tranchesPaid == 1 ? lease : nil
            }
            _ = try await watch.next(status: "provisioning", kind: 6900)

            // 3: the tenant deletes its request: the lease ends, billing stops.
            _ = try await tenant.cancel(published.id)
            let ended = try await watch.next(status: "terminated", kind: 6900, timeout: .seconds(40))
            XCTAssertEqual(ended.reason, "cancelled")
            // Another restart: the ended lease is gone from the cluster, the request may still be on
            // a relay, and the relays remember the answer: no second bid, no new lease.
            _ = try await eventually("the cancelled lease to be deleted", timeout: .seconds(40)) { () -> Bool? in
                // The kubelet's part on the fake node: the pod goes at once.
                await admin.removeLeasePods(lease)
                return (try? await admin.get(ComputeLease.self, name: lease)) == nil ? true : nil
            }
            running.kill()
            running = try start()
            _ = try await tenant.republish(published.event)
            try await Task.sleep(for: .seconds(6))
            let revived = try? await admin.get(ComputeLease.self, name: lease)
            XCTAssertNil(revived, "an answered request makes no new lease after a restart")
            let bids = watch.seen.filter { $0.kind == 6900 && $0.status == "bid" }
            XCTAssertEqual(Set(bids.map(\.id)).count, 1, "one bid for one request, across the restart")
            let invoices = watch.seen.filter { $0.kind == 7000 && $0.status == "payment-required" && $0.tranche == 0 }
            XCTAssertEqual(Set(invoices.compactMap(\.bolt11)).count, 1, "one invoice for the first tranche")

            let leases = try await admin.list(ComputeLease.self).items.map(\.spec.requestEventId)
            XCTAssertFalse(leases.contains(stamp.id), "a timestamping request makes no lease")
            XCTAssertFalse(leases.contains(expired.id), "an expired request makes no lease")
            XCTAssertFalse(leases.contains(forged.id), "a forged request makes no lease")
        }
    }
}
