import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import Operator
import XCTest

/// What the NIP draft promises a tenant, checked from the tenant's side only: the events on the
/// relays, counted by id, as nostr-sdk (`tenant.py`) reads them. The provider is the operator
/// binary; intervals are 10 s with a 5 s lead and 3 s grace.
final class MarketPromisesTests: MarketBedTestCase {
    /// §5, §10: one bid per request, even when it is read from two relays and even for encrypted
    /// answers, whose every re-send would otherwise be a new event.
    func testRequestsReadFromTwoRelaysGetExactlyOneBidAndOneFirstInvoiceEach() async throws {
        // Six unpaid bids from one tenant: more than the default allows (MarketIntakeTests checks that).
        try await market.withProvider({ $0.intake.maxUnpaidBidsPerTenant = 10 }) { _, start in
            let running = try start()
            defer { running.kill() }
            let tenant = try TenantClient(bed: market.bed)  // publishes to and reads from both relays
            var watches: [(String, TenantWatch)] = []
            for index in 0..<6 {
                let published = try await tenant.request(TenantRequest(
                    cpu: "100m", memory: "64Mi", duration: 600, bidMsats: 1_000_000, provider: market.provider,
                    encrypt: index % 3 == 2 ? nil : (index % 3 == 0 ? "nip44" : "nip04")))
                XCTAssertEqual(published.relays.ok.count, 2, "the request is on both relays")
                watches.append((published.id, try await tenant.watch(request: published.id, provider: market.provider)))
            }
            defer { for (_, watch) in watches { watch.stop() } }
            for (_, watch) in watches {
                _ = try await watch.next(status: "bid", kind: 6900)
                _ = try await watch.next(where: { $0.kind == 7000 && $0.status == "payment-required" && $0.tranche == 0 })
            }
            // Billing and the announcer keep working on every lease meanwhile: a second bid would come now.
            try await Task.sleep(for: .seconds(4))
            for (id, watch) in watches {
                let seen = watch.seen
                XCTAssertEqual(Set(seen.filter { $0.kind == 6900 && $0.status == "bid" }.map(\.id)).count, 1, "one bid for \(id)")
                XCTAssertEqual(Set(seen.filter { $0.kind == 7000 && $0.status == "payment-required" }.map(\.id)).count, 1,
                               "one payment-required for tranche 0 of \(id)")
            }
        }
    }

    /// §1, §5.3: a client that follows kind 7000 only (a generic NIP-90 client) sees the whole
    /// lease: payment-required, processing after each payment, success at the end. The draft's
    /// client also sees running again with each new paid-until (§6).
    func testAGenericNIP90ClientFollowsAWholeLeaseAndRenewalsAreAnnounced() async throws {
        try await market.withProvider { admin, start in
            let running = try start()
            defer { running.kill() }
            let tenant = try TenantClient(bed: market.bed)
            // The bed's GPU pins the pod to the fake node whose kubelet this test plays: a CPU lease
            // prefers nodes without GPUs, such as the test bed's real node.
            let published = try await tenant.request(TenantRequest(cpu: "100m", memory: "64Mi", gpus: 1, gpuModel: market.gpuModel, duration: 20,
                                                                   bidMsats: 1_000_000, provider: market.provider))
            let lease = ComputeLease.name(forRequestEventId: published.id)
            let generic = try await tenant.watch(request: published.id, until: ["success", "error"], kinds: [7000])
            defer { generic.stop() }
            let full = try await tenant.watch(request: published.id, provider: market.provider, until: ["completed", "terminated"])
            defer { full.stop() }

            try await market.pay(try await generic.next(status: "payment-required"))
            let first = try await generic.next(status: "processing")
            let firstPaidUntil = try XCTUnwrap(first.paidUntil, "processing says the new paid-until")
            try await market.playKubelet(admin, lease: lease)
            let up = try await full.next(where: { $0.kind == 6900 && $0.status == "running" })
            XCTAssertEqual(up.paidUntil, firstPaidUntil)

            let renewal = try await generic.next(where: { $0.status == "payment-required" && $0.tranche == 1 })
            XCTAssertGreaterThanOrEqual(renewal.receivedAt, Double(firstPaidUntil - 5 - 1), "asked for `lead` before paid-until, not earlier")
            let due = try await full.next(where: { $0.kind == 6900 && $0.status == "renewal-due" })
            XCTAssertEqual(due.paidUntil, firstPaidUntil)
            try await market.pay(renewal)
            let second = try await generic.next(status: "processing")
            XCTAssertEqual(second.paidUntil, firstPaidUntil + 10)
            let renewed = try await full.next(where: { $0.kind == 6900 && $0.status == "running" && $0.paidUntil == firstPaidUntil + 10 },
                                              timeout: .seconds(15))
            XCTAssertEqual(renewed.endpoints, up.endpoints)

            // The duration (20 s) runs out: completed + success. The kubelet's part: the pod goes.
            let done = Task {
                while !Task.isCancelled {
                    await MarketBed.removePod(admin, lease: lease)
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            defer { done.cancel() }
            let completed = try await full.next(status: "completed", kind: 6900, timeout: .seconds(40))
            XCTAssertEqual(completed.reason, "duration-ended")
            _ = try await generic.next(status: "success", timeout: .seconds(20))
            let statuses = generic.seen.sorted { ($0.createdAt, $0.receivedAt) < ($1.createdAt, $1.receivedAt) }.map { $0.status ?? "-" }
            XCTAssertEqual(statuses, ["payment-required", "processing", "payment-required", "processing", "success"])
            XCTAssertEqual(Set(full.seen.filter { $0.status == "bid" }.map(\.id)).count, 1)
        }
    }

    /// §7.3: the next Cashu tranche is asked for `lead` before paid-until, with a renewal-due,
    /// not the moment the previous one is credited; the nutzap that pays it is confirmed.
    func testCashuRenewalTermsComeWhenDueWithRenewalDue() async throws {
        let wallet = try CashuTestWallet(bed: market.bed)
        defer { wallet.remove() }
        try wallet.fund(20)
        try await market.withProvider { admin, start in
            let running = try start()
            defer { running.kill() }
            let tenant = try TenantClient(bed: market.bed)
            let published = try await tenant.request(TenantRequest(
                cpu: "100m", memory: "64Mi", duration: 600, bidMsats: 1_000_000, rail: "cashu", cashuTokens: [try wallet.send(1)],
                provider: market.provider, encrypt: "nip44"))
            let watch = try await tenant.watch(request: published.id, provider: market.provider)
            defer { watch.stop() }
            let paid = try await watch.next(where: { $0.kind == 7000 && $0.status == "processing" })
            let paidUntil = try XCTUnwrap(paid.paidUntil)
            let terms = try await watch.next(where: { $0.kind == 7000 && $0.status == "payment-required" && $0.tranche == 1 }, timeout: .seconds(20))
            XCTAssertGreaterThanOrEqual(terms.receivedAt, Double(paidUntil - 5 - 1), "tranche 1 is asked for `lead` before paid-until")
            XCTAssertEqual(terms.p2pk, "02" + market.cashuKey.publicKey.hex)
            let due = try await watch.next(where: { $0.kind == 6900 && $0.status == "renewal-due" })
            XCTAssertEqual(due.paidUntil, paidUntil)
            _ = try await tenant.nutzap(request: published.id, provider: market.provider, token: try wallet.send(1, lock: try XCTUnwrap(terms.p2pk)))
            let again = try await watch.next(where: { $0.kind == 7000 && $0.status == "processing" && $0.paidUntil == paidUntil + 10 })
            XCTAssertNotNil(again)
            let lease = try await admin.get(ComputeLease.self, name: ComputeLease.name(forRequestEventId: published.id))
            XCTAssertEqual(lease.status?.ledger?.tranchesPaid, 2)
            let asked = watch.seen.filter { $0.kind == 7000 && $0.status == "payment-required" }.compactMap(\.tranche)
            XCTAssertEqual(asked.sorted(), Array(Set(asked)).sorted(), "each tranche asked for once: \(asked)")
        }
    }

    /// §3.1: answers also go to the relays the request names, within the provider's policy.
    func testAnswersAlsoGoToTheRelaysTheRequestNames() async throws {
        let ownRelay = try market.bed.require("NCN_RELAY_SDK_URL")
        let tenantRelay = try market.bed.require("NCN_RELAY_PY_URL")
        try await market.withProvider({ spec in
            spec.relays = [ownRelay]
            spec.replyRelays = ReplyRelaySettings(maxPerRequest: 2, allowPrivateAddresses: true)  // the test bed's relays are on loopback
        }) { _, start in
            let running = try start()
            defer { running.kill() }
            let requester = try TenantClient(bed: market.bed, relays: [ownRelay])
            let published = try await requester.request(TenantRequest(cpu: "100m", memory: "64Mi", duration: 600, bidMsats: 1_000_000,
                                                                      provider: market.provider, extra: ["--relays-tag", tenantRelay]))
            // Read from the tenant's relay alone, which the provider does not read.
            let reader = try TenantClient(bed: market.bed, key: requester.key, relays: [tenantRelay])
            let watch = try await reader.watch(request: published.id, provider: market.provider)
            defer { watch.stop() }
            _ = try await watch.next(status: "bid", kind: 6900)
            _ = try await watch.next(status: "payment-required", kind: 7000)
            let offer = try await requester.offer(provider: market.provider, d: "default", wait: .seconds(10))
            XCTAssertNotNil(offer, "the offer is on the provider's own relay")
        }
    }
}
