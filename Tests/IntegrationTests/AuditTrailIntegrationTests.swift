import ComputeAPI
import Foundation
import KubeClient
import Operator
import XCTest

/// The audit trail against the real apiserver: a record is one merge patch of one key, a shard
/// the apiserver finds too large spills into its overflow ConfigMap, writing a record again
/// changes nothing, and reading returns every record of every ConfigMap of the day.
final class AuditTrailIntegrationTests: XCTestCase {
    func testAFullShardSpillsIntoItsOverflowAndEveryRecordIsReadBack() async throws {
        let bed = try TestBed.load()
        try await bed.withKubernetes { admin in
            let namespace = "ncn-it-audit-\(UInt32.random(in: 0...UInt32.max))"
            _ = try await admin.create(Namespace(metadata: ObjectMeta(name: namespace)))
            defer { Task { try? await admin.delete(Namespace.self, name: namespace) } }
            let trail = AuditTrail(client: admin, namespace: namespace, retentionDays: 90)
            let ended = Date()
            let day = AuditBook.day(of: ended)

            func record(_ name: String) throws -> LeaseAuditRecord {
                var lease = ComputeLease(name: name, spec: ComputeLeaseSpec(
                    tenantPubkey: String(repeating: "a", count: 64), requestEventId: String(repeating: "b", count: 64),
                    relays: ["wss://relay.example.com"], image: "ghcr.io/org/app:1",
                    resources: LeaseResources(cpu: "500m", memory: "1Gi"), durationSeconds: 600, pricePerIntervalMsats: 1_000,
                    intervalSeconds: 60, graceSeconds: 30, paymentRail: .lightning))
                lease.status = ComputeLeaseStatus(phase: .succeeded, ledger: LedgerSummary(tranchesPaid: 1, msatsReceived: 1_000))
                return LeaseAuditRecord(lease: lease, pod: nil, endedAt: ended)
            }

            // A shard within 76 bytes of the apiserver's 1 MiB (what about 1,500 records make).
            let full = try record("lease-full-shard")
            let shard = AuditBook.configMapName(day: day, lease: full.lease)
            var metadata = ObjectMeta(name: shard, namespace: namespace)
            metadata.labels = [AuditBook.dayLabel: day]
            _ = try await admin.create(ConfigMap(metadata: metadata, data: ["filler": String(repeating: "x", count: 1_048_500)]))

            try await trail.record(full, endedAt: ended)
            let overflow = try await admin.get(ConfigMap.self, name: "\(shard)-1", namespace: namespace)
            XCTAssertEqual(overflow.data?[full.lease], try full.json())
            XCTAssertEqual(overflow.metadata.labels?[AuditBook.dayLabel], day)
            let shardAfter = try await admin.get(ConfigMap.self, name: shard, namespace: namespace)
            XCTAssertNil(shardAfter.data?[full.lease])

            try await trail.record(full, endedAt: ended)  // again, as after a crash before the finalizer went
            let overflowAgain = try await admin.get(ConfigMap.self, name: "\(shard)-1", namespace: namespace)
            XCTAssertEqual(overflowAgain.data?.count, 1)

            // Other leases of the day go to their own shards, several into one with patches of one key each.
            let others = try (0..<20).map { try record("lease-other-\($0)") }.filter {
                AuditBook.configMapName(day: day, lease: $0.lease) != shard
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for other in others { group.addTask { try await trail.record(other, endedAt: ended) } }
                try await group.waitForAll()
            }
            let read = try await trail.records()
            XCTAssertEqual(Set(read.map(\.lease)), Set([full.lease] + others.map(\.lease)), "every record once, the filler skipped")
        }
    }
}
