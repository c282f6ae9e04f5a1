import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import Operator
import XCTest

/// Issue 13's flood: 1,000 valid requests from fresh keys, then one from a real tenant with a
/// little proof of work, against the operator binary through a real relay. The tenant gets its
/// bid within seconds; what the flood made stays within the intake's bounds; the relay refused
/// nothing the operator sent. Figures are printed for the README, not asserted as timings.
final class MarketFloodTests: MarketBedTestCase {
    func testAThousandStrangersCannotCrowdOutATenantWithALittleWork() async throws {
        let flood = 1_000
        let maxUnpaid = IntakeSettings().maxUnpaidBids
        try await market.withProvider { admin, start in
            let running = try start()
            defer { running.kill() }
            let relay = try market.bed.require("NCN_RELAY_SDK_URL")
            let provider = market.provider
            let pool = try RelayPool(relays: [relay])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pool.run() }
                defer { group.cancelAll() }
                let answers = try pool.subscribe([Filter(authors: [provider], kinds: [6900, 7000], since: NostrEvent.currentTimestamp() - 5)])
                let inbox = Inbox()
                group.addTask { await inbox.collect(answers) }
                try await Task.sleep(for: .seconds(2))
                let rssBefore = Self.rssKiB(of: running)

                func request(_ key: SecretKey, work: Int) throws -> NostrEvent {
                    // The smallest lease: capacity is not what runs out, the unpaid-bid slots are. Disk too
                    // (the smallest, 64Mi): at the default 10Gi, 100 bids would fill the fake node's 500Gi.
                    let builder = EventBuilder(kind: ComputeKinds.request, content: "", tags: [
                        ["param", "image", "docker.io/library/busybox:1.36"], ["param", "cpu", "1m"], ["param", "memory", "16Mi"],
                        ["param", "disk", "64Mi"],
                        ["param", "duration", "600"], ["bid", "1000000"], ["relays", relay], ["p", provider],
                    ])
                    return work > 0 ? try builder.mine(difficulty: work, with: key) : try builder.sign(with: key)
                }
                let events = try (0..<flood).map { _ in try request(SecretKey.generate(), work: 0) }
                let started = Date()
                var refusedByRelay = 0
                for batch in stride(from: 0, to: events.count, by: 50) {
                    await withTaskGroup(of: Bool.self) { publishers in
                        for event in events[batch..<min(batch + 50, events.count)] {
                            publishers.addTask { await pool.publish(event, timeout: .seconds(10)).values.allSatisfy(\.isSuccess) }
                        }
                        for await accepted in publishers where !accepted { refusedByRelay += 1 }
                    }
                }
                let publishedIn = Date().timeIntervalSince(started)
                XCTAssertEqual(refusedByRelay, 0, "the relay took every request")

                // The flood is read: bids up to the cap, the rest refused busy (at the refusal rate) or unanswered.
                _ = try await eventually("the flood's bids", timeout: .seconds(60)) { () -> Bool? in
                    let bids = Set(inbox.seen.filter { $0.kind == 6900 }.flatMap(\.referencedEventIDs)).count
                    return bids >= maxUnpaid ? true : nil
                }
                try await Task.sleep(for: .seconds(3))
                let rssFlooded = Self.rssKiB(of: running)

                // The real tenant: 12 bits of work, more than any stranger's 0 bits.
                let tenant = try request(SecretKey.generate(), work: 12)
                let asked = Date()
                _ = await pool.publish(tenant, timeout: .seconds(10))
                let bid = try await inbox.next(timeout: .seconds(30)) { $0.kind == 6900 && $0.referencedEventIDs.contains(tenant.id) }
                let bidLatency = Date().timeIntervalSince(asked)
                XCTAssertEqual(try ComputeResult.parse(bid).status, .bid)

                let all = try await admin.list(ComputeLease.self).items
                let leases = all.filter {
                    // Unpaid and still standing: a bid past its expiry whose lease the controller
                    // has not marked yet holds nothing and no longer counts against the cap.
                    $0.metadata.deletionTimestamp == nil && $0.status?.paidUntil == nil && !($0.status?.phase?.isTerminal ?? false)
                        && ($0.spec.bidExpiresAt.map { $0.date > Date() } ?? true)
                }
                let phases = Dictionary(grouping: all) { $0.status?.phase?.rawValue ?? "none" }.mapValues(\.count)
                XCTAssertLessThanOrEqual(leases.count, maxUnpaid + 1, "unpaid leases stay within the cap")
                XCTAssertTrue(leases.contains { $0.spec.requestEventId == tenant.id })
                let secrets = try await admin.list(Secret.self, namespace: "ncn-system").items.count
                let answered = Set(inbox.seen.flatMap(\.referencedEventIDs)).count
                let bids = Set(inbox.seen.filter { $0.kind == 6900 }.flatMap(\.referencedEventIDs)).count
                XCTAssertFalse(running.logText.contains("rate-limited"), "a relay rate-limited the operator")
                print("""
                    flood: \(flood) requests published in \(String(format: "%.1f", publishedIn)) s; requests answered \(answered), \
                    bid \(bids); unpaid leases now \(leases.count) (cap \(maxUnpaid)), all leases by phase \(phases); Secrets in ncn-system \(secrets); \
                    operator RSS \(rssBefore / 1024) MiB before, \(rssFlooded / 1024) MiB after the flood; \
                    the tenant's bid came \(String(format: "%.2f", bidLatency)) s after its request
                    """)
                XCTAssertLessThan(rssFlooded, 400 * 1024, "the operator's memory stays bounded")
            }
        }
    }

    /// Intake handles requests concurrently; the unpaid-bid cap per tenant must still hold when
    /// one key's requests all arrive at once, each deciding before any lease of the others exists.
    func testABurstFromOneKeyGetsNoMoreBidsThanItsCap() async throws {
        let cap = 3, burst = 24
        try await market.withProvider({ spec in
            spec.intake = IntakeSettings(requestsPerMinutePerTenant: 1_000, maxUnpaidBidsPerTenant: cap, maxUnpaidBids: 100,
                                         errorRepliesPerSecond: 100)
        }) { admin, start in
            let running = try start()
            defer { running.kill() }
            let relay = try market.bed.require("NCN_RELAY_SDK_URL")
            let provider = market.provider
            let pool = try RelayPool(relays: [relay])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pool.run() }
                defer { group.cancelAll() }
                let answers = try pool.subscribe([Filter(authors: [provider], kinds: [6900, 7000], since: NostrEvent.currentTimestamp() - 5)])
                let inbox = Inbox()
                group.addTask { await inbox.collect(answers) }
                _ = try await TenantClient(bed: market.bed).offer(provider: provider, d: "default", wait: .seconds(15))
                let tenant = SecretKey.generate()
                let events = try (0..<burst).map { index in
                    try EventBuilder(kind: ComputeKinds.request, content: "", tags: [
                        ["param", "image", "docker.io/library/busybox:1.36"], ["param", "cpu", "1m"], ["param", "memory", "16Mi"],
                        ["param", "disk", "64Mi"], ["param", "env", "REQUEST", String(index)],
                        ["param", "duration", "600"], ["bid", "1000000"], ["relays", relay], ["p", provider],
                    ]).sign(with: tenant)
                }
                await withTaskGroup(of: Void.self) { publishers in
                    for event in events { publishers.addTask { _ = await pool.publish(event, timeout: .seconds(10)) } }
                }
                let ids = Set(events.map(\.id))
                let answered = try await eventually("an answer to every request of the burst", timeout: .seconds(60)) { () -> Set<String>? in
                    let seen = Set(inbox.seen.flatMap(\.referencedEventIDs)).intersection(ids)
                    return seen.count == burst ? seen : nil
                }
                XCTAssertEqual(answered.count, burst)
                let bids = Set(inbox.seen.filter { $0.kind == 6900 }.flatMap(\.referencedEventIDs)).intersection(ids)
                let leases = try await admin.list(ComputeLease.self).items.filter { $0.spec.tenantPubkey == tenant.publicKey.hex }
                XCTAssertEqual(bids.count, cap, "bids to one key: \(bids.count)")
                XCTAssertEqual(leases.count, cap, "leases of one key: \(leases.count)")
                let busy = inbox.seen.filter { $0.kind == 7000 && $0.tags.contains(["reason", "busy"]) }
                XCTAssertEqual(Set(busy.flatMap(\.referencedEventIDs)).intersection(ids).count, burst - cap, "the rest are told they are busy")
            }
        }
    }

    /// Resident memory of the operator process, in KiB, from /proc.
    static func rssKiB(of running: OperatorProcess) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(running.process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
