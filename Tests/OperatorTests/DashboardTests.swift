import ComputeAPI
import Foundation
import KubeClient
@testable import Operator
@testable import OperatorApp
import XCTest

/// The dashboard's pure parts: the payments history behind the chart, the bounded journal of
/// market decisions, the capacity warnings, and who may see it all.
final class DashboardTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_796_601_600)  // 2026-12-07T00:00:00Z

    private func paidLease(_ name: String, rail: PaymentRail = .lightning, received: Int64, credits: [(String, Int64, TimeInterval)]) -> ComputeLease {
        var lease = WorkloadFixtures.cpuLease
        lease.metadata.name = name
        lease.spec.paymentRail = rail
        var status = ComputeLeaseStatus(phase: .running, ledger: LedgerSummary(tranchesPaid: credits.count, msatsReceived: received))
        status.ledger?.credits = credits.map { LedgerCredit(id: $0.0, rail: rail, msats: $0.1, at: Timestamp(now.addingTimeInterval(-$0.2))) }
        lease.status = status
        return lease
    }

    // MARK: Earnings

    func testEachCreditIsOnePointAndTheSeriesRisesToTheTotalPerRail() {
        var history = EarningsHistory()
        history.observe([
            paidLease("a", received: 3_000, credits: [("ln:1", 1_000, 3_600), ("ln:2", 2_000, 60)]),
            paidLease("b", rail: .cashu, received: 5_000, credits: [("cashu:1", 5_000, 600)]),
        ])
        XCTAssertEqual(history.totals(now: now), ["lightning": 3_000, "cashu": 5_000])
        let series = history.series(now: now)
        XCTAssertEqual(series.map(\.rail), ["cashu", "lightning"])
        let lightning = series[1].points
        XCTAssertEqual(lightning.first, [Int64(now.timeIntervalSince1970) - 3_600 - 360, 0],
                       "from zero a tenth of the span before the first payment, not from the window's start a week ago")
        XCTAssertEqual(lightning.map { $0[1] }, [0, 1_000, 3_000, 3_000])
        XCTAssertEqual(lightning.last?[0], Int64(now.timeIntervalSince1970))
    }

    func testObservingTheSameLeaseTwiceCountsItsCreditsOnce() {
        var history = EarningsHistory()
        let lease = paidLease("a", received: 1_000, credits: [("ln:1", 1_000, 60)])
        history.observe([lease])
        history.observe([lease])
        XCTAssertEqual(history.totals(now: now)["lightning"], 1_000)
    }

    func testWhatALeaseReceivedBeyondItsKeptCreditsIsOnePaymentAtItsOldestCredit() {
        var history = EarningsHistory()
        // 40 tranches paid, the status keeps the newest two.
        history.observe([paidLease("a", received: 40_000, credits: [("ln:39", 1_000, 120), ("ln:40", 1_000, 60)])])
        XCTAssertEqual(history.totals(now: now)["lightning"], 40_000)
        XCTAssertEqual(history.payments["earlier:a"]?.msats, 38_000)
        XCTAssertEqual(history.payments["earlier:a"]?.at, now.addingTimeInterval(-120))
        // A new credit arrives: the lump stays what the credits seen do not account for.
        history.observe([paidLease("a", received: 41_000, credits: [("ln:40", 1_000, 60), ("ln:41", 1_000, 1)])])
        XCTAssertEqual(history.totals(now: now)["lightning"], 41_000)
    }

    func testAnEndedLeaseFromTheAuditTrailCountsOnceAndNotBesideItsCredits() throws {
        var history = EarningsHistory()
        let live = paidLease("a", received: 1_000, credits: [("ln:1", 1_000, 60)])
        history.observe([live])
        var ended = LeaseAuditRecord(lease: paidLease("gone", received: 7_000, credits: []), pod: nil, endedAt: now.addingTimeInterval(-7_200))
        ended.paymentRail = "cashu"
        let ending = LeaseAuditRecord(lease: live, pod: nil, endedAt: now)
        history.observe([ended, ending])
        XCTAssertEqual(history.totals(now: now), ["lightning": 1_000, "cashu": 7_000])
    }

    func testPaymentsOlderThanTheWindowAreForgottenUnlessTheirLeaseIsLive() {
        var history = EarningsHistory(window: 3_600)
        history.observe([
            paidLease("old", received: 1_000, credits: [("ln:old", 1_000, 7_200)]),
            paidLease("live", received: 2_000, credits: [("ln:live", 2_000, 7_200)]),
        ])
        history.prune(now: now, live: ["live"])
        XCTAssertNil(history.payments["ln:old"])
        XCTAssertNotNil(history.payments["ln:live"], "forgotten, it would come back as an unaccounted lump dated too late")
        XCTAssertEqual(history.totals(now: now), [:], "neither is inside the window")
    }

    func testALongSeriesIsThinnedKeepingItsEnds() {
        let points = (0..<1_000).map { [Int64($0), Int64($0 * 10)] }
        let thinned = EarningsHistory.thinned(points, to: 50)
        XCTAssertEqual(thinned.count, 50)
        XCTAssertEqual(thinned.first, points.first)
        XCTAssertEqual(thinned.last, points.last)
    }

    // MARK: Journal

    func testTheJournalKeepsTheNewestEntriesInOrder() {
        let journal = MarketJournal(capacity: 3)
        for index in 0..<5 {
            journal.record(.init(at: now, request: "r\(index)", tenant: nil, outcome: .refused, reason: "no"))
        }
        XCTAssertEqual(journal.recent().map(\.request), ["r2", "r3", "r4"])
    }

    // MARK: Snapshot

    private func sources(nodes: [NodeInventory], leases: [ComputeLease] = [], decisions: [MarketJournal.Entry] = []) -> DashboardSnapshot.Sources {
        DashboardSnapshot.Sources(
            providerName: "default", provider: OfferBuilderTests.provider(), providerKey: nil, acting: true, leases: leases,
            inventory: InventorySnapshot(nodes: nodes), offer: nil, offerPublishedAt: nil, decisions: decisions, relays: [],
            wallet: .init(state: .unused, at: nil, detail: nil), earnings: EarningsHistory(), now: now)
    }

    func testGPUsThatTheOfferLeavesOutAreWarnedAboutWithWhatToDo() {
        let nodes = [
            NodeInventory(name: "unlabelled", allocatable: ResourceAmounts(cpuMillis: 8_000, gpus: 2, gpuModel: nil)),
            NodeInventory(name: "unpriced", gpuModel: "NVIDIA-L4", allocatable: ResourceAmounts(cpuMillis: 8_000, gpus: 1, gpuModel: "NVIDIA-L4")),
            NodeInventory(name: "priced", gpuModel: OfferBuilderTests.h100,
                          allocatable: ResourceAmounts(cpuMillis: 8_000, gpus: 8, gpuModel: OfferBuilderTests.h100)),
            NodeInventory(name: "down", allocatable: ResourceAmounts(cpuMillis: 8_000), exclusions: [.notReady(status: "Unknown")]),
        ]
        let warnings = DashboardSnapshot.build(sources(nodes: nodes)).capacity.warnings
        XCTAssertEqual(warnings.map(\.node), ["down", "unlabelled", "unpriced"])
        XCTAssertTrue(warnings[0].text.contains("Ready condition is Unknown"), warnings[0].text)
        XCTAssertTrue(warnings[1].text.contains("nvidia.com/gpu.product"), warnings[1].text)
        XCTAssertTrue(warnings[2].text.contains("spec.pricing.msatsPerGpuHour"), warnings[2].text)
    }

    func testRowsShowTenantsAsNpubsAndDecisionsNewestFirstWithNoInvoice() throws {
        var lease = paidLease("a", received: 2_000, credits: [("ln:1", 2_000, 60)])
        lease.status?.ledger?.invoices = [LedgerInvoice(tranche: 1, paymentHash: String(repeating: "c", count: 64), bolt11: "lnbcrt1secretinvoice",
                                                        amountMsats: 1_000, issuedAt: Timestamp(now), expiresAt: Timestamp(now))]
        let decisions: [MarketJournal.Entry] = [
            .init(at: now.addingTimeInterval(-2), request: "old", tenant: WorkloadFixtures.tenant, outcome: .bid, lease: "a"),
            .init(at: now, request: "new", tenant: WorkloadFixtures.tenant, outcome: .refused, reason: "registry not allowed", code: "policy"),
        ]
        let snapshot = DashboardSnapshot.build(sources(nodes: [], leases: [lease], decisions: decisions))
        XCTAssertTrue(snapshot.leases[0].tenant.hasPrefix("npub1"))
        XCTAssertEqual(snapshot.leases[0].earnedMsats, 2_000)
        XCTAssertEqual(snapshot.market.recent.map(\.request), ["new", "old"])
        XCTAssertEqual(snapshot.market.wallet.state, "unused")
        let json = String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self)
        XCTAssertFalse(json.contains("lnbcrt1secretinvoice"), "invoices stay out of the dashboard")
        XCTAssertFalse(json.contains("s3cret"))
    }

    // MARK: Access

    func testOffLoopbackOnlyTheTokenOpensTheDashboard() throws {
        let access = try DashboardAccess(token: "0123456789abcdef0123")
        XCTAssertEqual(access.decide(isPage: true, authorization: nil, cookie: nil, queryToken: nil), .deny)
        XCTAssertEqual(access.decide(isPage: false, authorization: "Bearer 0123456789abcdef0123", cookie: nil, queryToken: nil), .allow)
        XCTAssertEqual(access.decide(isPage: false, authorization: nil, cookie: "0123456789abcdef0123", queryToken: nil), .allow)
        XCTAssertEqual(access.decide(isPage: true, authorization: nil, cookie: nil, queryToken: "0123456789abcdef0123"), .rememberAndRedirect)
        XCTAssertEqual(access.decide(isPage: false, authorization: nil, cookie: nil, queryToken: "0123456789abcdef0123"), .deny,
                       "the API takes the header or the cookie, not a token in a URL that ends up in logs")
        XCTAssertEqual(access.decide(isPage: true, authorization: "Bearer 0123456789abcdef0124", cookie: "x", queryToken: "y"), .deny)
        XCTAssertEqual(try DashboardAccess(token: nil).decide(isPage: false, authorization: nil, cookie: nil, queryToken: nil), .allow)
    }

    func testAShortOrCookieUnsafeTokenIsRefusedAndOnlyLoopbackMayGoWithout() throws {
        XCTAssertThrowsError(try DashboardAccess(token: "short"))
        XCTAssertThrowsError(try DashboardAccess(token: "0123456789abcdef;0123"))
        XCTAssertTrue(DashboardAccess.isLoopback(try ListenAddress("127.0.0.1:8088")))
        XCTAssertFalse(DashboardAccess.isLoopback(try ListenAddress(":8088")))
        XCTAssertFalse(DashboardAccess.isLoopback(try ListenAddress("10.0.0.5:8088")))
    }
}
