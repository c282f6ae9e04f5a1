import ComputeAPI
import Foundation
import KubeClient
@testable import Operator
import XCTest

/// The audit trail's pure parts: what a record keeps (and never keeps), where it goes, and which
/// days the retention drops.
final class AuditTrailTests: XCTestCase {
    private let ended = Date(timeIntervalSince1970: 1_796_601_600)  // 2026-12-07T00:00:00Z

    private func endedLease() -> ComputeLease {
        var lease = WorkloadFixtures.cpuLease
        lease.spec.category = "web"
        lease.metadata.creationTimestamp = "2026-12-06T23:00:00Z"
        var status = ComputeLeaseStatus(
            phase: .terminated,
            conditions: [Condition(type: .paid, status: .true, reason: "TranchePaid", lastTransitionTime: Timestamp(rfc3339: "2026-12-06T23:01:00Z")!)],
            node: "node-1",
            ledger: LedgerSummary(tranchesPaid: 2, msatsReceived: 20_000))
        status.terminationReason = .paymentLapsed
        status.ledger?.invoices = [LedgerInvoice(tranche: 2, paymentHash: String(repeating: "c", count: 64), bolt11: "lnbcrt1secretinvoice",
                                                 amountMsats: 10_000, issuedAt: Timestamp(ended), expiresAt: Timestamp(ended), state: .open)]
        lease.status = status
        return lease
    }

    func testARecordSaysWhoRanWhatWithWhatWhenAndForHowMuchAndKeepsNoEnvironment() throws {
        var pod = Pod(metadata: ObjectMeta(name: "w", namespace: WorkloadFixtures.namespace))
        var podStatus = PodStatus(phase: "Running")
        podStatus.containerStatuses = [ContainerStatus(name: "workload", image: "ghcr.io/nostr-compute/echo:1.0",
                                                       imageID: "ghcr.io/nostr-compute/echo@sha256:" + String(repeating: "ab", count: 32))]
        pod.status = podStatus
        let record = LeaseAuditRecord(lease: endedLease(), pod: pod, endedAt: ended)
        XCTAssertEqual(record.tenantPubkey, WorkloadFixtures.tenant)
        XCTAssertEqual(record.imageDigest, "ghcr.io/nostr-compute/echo@sha256:" + String(repeating: "ab", count: 32))
        XCTAssertEqual(record.category, "web")
        XCTAssertEqual([record.cpu, record.memory], ["500m", "1Gi"])
        XCTAssertEqual(record.ports, ["8080/TCP", "9000/UDP"])
        XCTAssertEqual(record.node, "node-1")
        XCTAssertEqual(record.bidAt, "2026-12-06T23:00:00Z")
        XCTAssertEqual(record.startedAt, "2026-12-06T23:01:00Z")
        XCTAssertEqual(record.endedAt, "2026-12-07T00:00:00Z")
        XCTAssertEqual([record.phase, record.endReason], [LeasePhase.terminated.rawValue, TerminationReason.paymentLapsed.rawValue])
        XCTAssertEqual([record.tranchesPaid, Int(record.msatsReceived)], [2, 20_000])
        let line = try record.json()
        for secret in ["hello", "GREETING", "lnbcrt1secretinvoice", String(repeating: "c", count: 64)] {
            XCTAssertFalse(line.contains(secret), "the record must not carry \(secret): \(line)")
        }
        XCTAssertEqual(try record.json(), line, "the same lease gives the same line")
        XCTAssertLessThan(line.utf8.count, 1_000, "about 1,000 records fit a shard's 1 MiB")
    }

    func testRecordsGoToTheirDaysShardAndTheRetentionDropsOlderDays() {
        XCTAssertEqual(AuditBook.day(of: ended), "2026-12-07")
        XCTAssertEqual(AuditBook.day(of: ended.addingTimeInterval(-1)), "2026-12-06")
        let name = AuditBook.configMapName(day: "2026-12-07", lease: WorkloadFixtures.leaseName)
        XCTAssertTrue(name.hasPrefix("ncn-audit-2026-12-07-"), name)
        XCTAssertEqual(name, AuditBook.configMapName(day: "2026-12-07", lease: WorkloadFixtures.leaseName), "stable")
        let shards = Set((0..<400).map { AuditBook.shard(of: "lease-\($0)") })
        XCTAssertEqual(shards, Set(0..<AuditBook.shards), "leases spread over every shard")
        let days: Set<String> = ["2026-09-07", "2026-09-08", "2026-09-09", "2026-12-07"]
        // 90 days: records 90 days old stay, older ones go.
        XCTAssertEqual(AuditBook.expired(days, now: ended, retentionDays: 90), ["2026-09-07"])
        XCTAssertEqual(AuditBook.expired(days, now: ended, retentionDays: 0), ["2026-09-07", "2026-09-08", "2026-09-09"])
    }
}
