import ComputeAPI
import Foundation
import NostrBridge
@testable import Operator
import XCTest

/// Blocklists shared over Nostr (draft §11.1): a trusted publisher's set and reports block
/// tenants and images, the newest set replaces the older, a deletion withdraws a report, and
/// nobody else's events count.
final class SharedBlocklistTests: XCTestCase {
    private let publisher = SecretKey.generate()
    private let stranger = SecretKey.generate()
    private let tenant = String(repeating: "a", count: 64)
    private let otherTenant = String(repeating: "c", count: 64)
    private var trusted: Set<String> { [publisher.publicKey.hex] }

    private func set(_ tags: [[String]], by key: SecretKey? = nil, at createdAt: Int64 = 1_000) throws -> NostrEvent {
        try EventBuilder(kind: ComputeBlocklist.setKind, content: "", tags: [["d", ComputeBlocklist.setIdentifier]] + tags)
            .createdAt(createdAt).sign(with: key ?? publisher)
    }

    private func report(_ targets: [[String]], category: String = "malware", by key: SecretKey? = nil) throws -> NostrEvent {
        try EventBuilder(kind: ComputeKinds.tenantFeedback, content: "", tags: targets + [["report", category, "mined coins on a GPU lease"]])
            .createdAt(1_000).sign(with: key ?? publisher)
    }

    private func deletion(of id: String, by key: SecretKey? = nil) throws -> NostrEvent {
        try EventBuilder(kind: ComputeKinds.deletion, content: "", tags: [["e", id]]).createdAt(2_000).sign(with: key ?? publisher)
    }

    func testATrustedSetBlocksItsTenantsAndImagesAndAStrangersDoesNot() throws {
        var blocklist = SharedBlocklist()
        XCTAssertTrue(blocklist.apply(try set([["p", tenant], ["image", "ghcr.io/evil/miner"], ["image", "busybox:1.36"]]), trusted: trusted))
        XCTAssertFalse(blocklist.apply(try set([["p", otherTenant]], by: stranger), trusted: trusted))
        XCTAssertEqual(blocklist.block(tenant: tenant), .init(publisher: publisher.publicKey.hex, reason: "on its blocklist"))
        XCTAssertNil(blocklist.block(tenant: otherTenant))
        XCTAssertNotNil(blocklist.block(image: "ghcr.io/evil/miner:2.0"), "a repository covers all its tags")
        XCTAssertNotNil(blocklist.block(image: "ghcr.io/evil/miner@sha256:" + String(repeating: "0", count: 64)))
        XCTAssertNil(blocklist.block(image: "ghcr.io/evil/miner-helper:1"))
        XCTAssertNotNil(blocklist.block(image: "docker.io/library/busybox:1.36"), "names are compared as the runtime spells them")
        XCTAssertNil(blocklist.block(image: "busybox:1.37"), "a tag blocks that tag only")
    }

    func testTheNewestSetReplacesTheOlderWhateverOrderTheyArriveIn() throws {
        var blocklist = SharedBlocklist()
        let newer = try set([["p", otherTenant]], at: 2_000)
        let older = try set([["p", tenant]], at: 1_000)
        blocklist.apply(newer, trusted: trusted)
        XCTAssertFalse(blocklist.apply(older, trusted: trusted), "an older set arriving late changes nothing")
        XCTAssertNil(blocklist.block(tenant: tenant))
        XCTAssertNotNil(blocklist.block(tenant: otherTenant))
    }

    func testAReportBlocksUntilItsAuthorDeletesItAndADeletionArrivingFirstStillCounts() throws {
        var blocklist = SharedBlocklist()
        let reported = try report([["p", tenant, "", ComputeBlocklist.tenantMarker], ["image", "ghcr.io/evil/miner@sha256:" + String(repeating: "1", count: 64)]])
        blocklist.apply(reported, trusted: trusted)
        XCTAssertEqual(blocklist.block(tenant: tenant)?.reason, "reported for malware: mined coins on a GPU lease")
        XCTAssertNotNil(blocklist.block(image: "ghcr.io/evil/miner@sha256:" + String(repeating: "1", count: 64)))
        XCTAssertNil(blocklist.block(image: "ghcr.io/evil/miner:latest"), "a digest blocks that digest only")
        XCTAssertFalse(blocklist.apply(try deletion(of: reported.id, by: stranger), trusted: [publisher.publicKey.hex, stranger.publicKey.hex]),
                       "only the author withdraws a report")
        XCTAssertTrue(blocklist.apply(try deletion(of: reported.id), trusted: trusted))
        XCTAssertNil(blocklist.block(tenant: tenant))

        var lateReport = SharedBlocklist()
        lateReport.apply(try deletion(of: reported.id), trusted: trusted)
        XCTAssertFalse(lateReport.apply(reported, trusted: trusted), "deleted before it arrived: never blocks")
        XCTAssertNil(lateReport.block(tenant: tenant))
    }

    func testATenantsRatingOfAProviderIsNotAReportAboutATenant() throws {
        var blocklist = SharedBlocklist()
        let rating = try EventBuilder(kind: ComputeKinds.tenantFeedback, content: "", tags: [
            ["e", String(repeating: "e", count: 64)], ["p", tenant], ["report", "no-delivery", "never ran"],
        ]).sign(with: publisher)
        XCTAssertFalse(blocklist.apply(rating, trusted: trusted))
        XCTAssertNil(blocklist.block(tenant: tenant))
    }

    func testPublishersNoLongerTrustedAreForgotten() throws {
        var blocklist = SharedBlocklist()
        blocklist.apply(try set([["p", tenant]]), trusted: trusted)
        blocklist.retain(publishers: [])
        XCTAssertNil(blocklist.block(tenant: tenant))
        XCTAssertTrue(blocklist.isEmpty)
    }

    func testMalformedEntriesAreSkipped() throws {
        let event = try set([["p", "not-a-key"], ["p", tenant.uppercased()], ["image", "https://evil.example/x"], ["image", "a b"], ["p", otherTenant]])
        XCTAssertEqual(ComputeBlocklist.set(from: event), .init(tenants: [otherTenant], images: []))
    }

    func testTheEvaluatorRefusesABlockedTenantOrImageNamingWhoBlocksIt() throws {
        var blocklist = SharedBlocklist()
        blocklist.apply(try set([["p", tenant], ["image", "ghcr.io/evil"]]), trusted: trusted)
        let provider = ComputeProvider(spec: ComputeProviderSpec(
            relays: ["wss://relay.example.com"], pricing: Pricing(msatsPerCpuHour: 60_000, msatsPerGiBHour: 6_000),
            payments: PaymentSettings(lightning: LightningRail(backend: .lnbits)),
            secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system")))
        func verdict(tenant: String, image: String) -> RequestVerdict {
            let request = ComputeRequest(
                id: String(repeating: "1", count: 64), tenant: tenant, createdAt: 0, image: image,
                resources: ComputeResources(cpu: "500m", memory: "1Gi", cpuMillicores: 500, memoryBytes: 1 << 30),
                durationSeconds: 600, bidMsats: 10_000_000, relays: ["wss://tenant.example.com"])
            return RequestEvaluator.evaluate(request, provider: provider, providerPubkey: String(repeating: "f", count: 64), relayHint: nil,
                                             bidLifetime: 300, secretNamespace: "ncn-system", now: Date(timeIntervalSince1970: 1_800_000_000),
                                             blocklist: blocklist)
        }
        guard case let .reject(message, code) = verdict(tenant: tenant, image: "ghcr.io/org/app:1") else { return XCTFail("bid on a blocked tenant") }
        XCTAssertEqual(code, .policy)
        XCTAssertTrue(message.contains(publisher.publicKey.npub) && message.contains("blocklist"), message)
        guard case let .reject(imageMessage, _) = verdict(tenant: otherTenant, image: "ghcr.io/evil/miner:1") else { return XCTFail("bid on a blocked image") }
        XCTAssertTrue(imageMessage.hasPrefix("image ghcr.io/evil/miner:1 is on a blocklist"), imageMessage)
        let unlisted = verdict(tenant: otherTenant, image: "ghcr.io/org/app:1")
        guard case .bid = unlisted else { return XCTFail("refused an unlisted tenant: \(unlisted)") }
    }
}
