import ComputeAPI
import Foundation
import KubeClient
import XCTest

final class LeaseStatusOwnerTests: XCTestCase {
    /// A status with every field set, and one condition of each owner.
    private var everyField: ComputeLeaseStatus {
        let at = Fixtures.time
        var status = ComputeLeaseStatus(
            phase: .running, paidUntil: at.adding(seconds: 600), endpoints: [LeaseEndpoint(host: "203.0.113.7", port: 30080)],
            node: "node-a", namespace: "ncn-lease-abc", observedGeneration: 3,
            ledger: LedgerSummary(tranchesPaid: 1, msatsReceived: 10_000, state: .funded),
            message: "Running.", terminationReason: .tenantCancelled)
        status.exitCode = 0
        status.conditions = [
            Condition(type: .paid, status: .true, reason: "TranchePaid", lastTransitionTime: at),
            Condition(type: .scheduled, status: .true, reason: "Scheduled", lastTransitionTime: at),
            Condition(type: .ready, status: .true, reason: "PodReady", lastTransitionTime: at),
            Condition(type: .cancelRequested, status: .true, reason: "TenantCancelled", lastTransitionTime: at),
        ]
        return status
    }

    private func members(_ status: ComputeLeaseStatus) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(status)) as? [String: Any])
    }

    /// Every field of the status has exactly one owner, so no two field managers ever apply the
    /// same field; a new field fails here until it is given one.
    func testEveryStatusFieldHasExactlyOneOwner() throws {
        let whole = try members(everyField)
        var owners: [String: [LeaseStatusOwner]] = [:]
        for owner in LeaseStatusOwner.allCases {
            for key in try members(owner.part(of: everyField)).keys where key != "conditions" { owners[key, default: []].append(owner) }
        }
        for key in whole.keys where key != "conditions" {
            XCTAssertEqual(owners[key]?.count, 1, "\(key) is owned by \(owners[key] ?? [])")
        }
        XCTAssertEqual(Set(owners.keys), Set(whole.keys).subtracting(["conditions"]))

        let conditionOwners = LeaseStatusOwner.allCases.flatMap { owner in
            (owner.part(of: everyField).conditions ?? []).map { ($0.type, owner) }
        }
        XCTAssertEqual(conditionOwners.map(\.0).sorted { $0.rawValue < $1.rawValue },
                       (everyField.conditions ?? []).map(\.type).sorted { $0.rawValue < $1.rawValue })
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: conditionOwners.map { ($0.0.rawValue, $0.1) }),
                       ["Paid": .billing, "Scheduled": .reconciler, "Ready": .reconciler, "CancelRequested": .market])
    }

    func testAPartLeavesOutWhatOthersOwn() {
        let billing = LeaseStatusOwner.billing.part(of: everyField)
        XCTAssertEqual(billing, ComputeLeaseStatus(conditions: [everyField.conditions![0]], paidUntil: everyField.paidUntil, ledger: everyField.ledger))
        let market = LeaseStatusOwner.market.part(of: everyField)
        XCTAssertEqual(market, ComputeLeaseStatus(conditions: [everyField.conditions![3]]))
        // The summary column travels with the endpoints it is made from.
        XCTAssertEqual(LeaseStatusOwner.reconciler.part(of: everyField).primaryEndpoint, "203.0.113.7:30080")
        // A condition type no one here claims is the reconciler's.
        XCTAssertEqual(LeaseStatusOwner.owner(of: "SomethingNew"), .reconciler)
        XCTAssertEqual(Set(LeaseStatusOwner.allCases.map(\.fieldManager)).count, LeaseStatusOwner.allCases.count)
    }

    /// Billing replaces its ledger whole under server-side apply: an invoice it prunes is gone,
    /// even if an earlier writer had set it.
    func testTheLedgerIsAppliedWhole() {
        let schema = ComputeLease.definition.rootSchema.property("status")?.property("ledger")
        XCTAssertEqual(schema?.isAtomicObject, true)
    }

    func testTheTimelineCountsFromTheFirstPayment() {
        var lease = Fixtures.fullLease
        let at = Fixtures.time
        lease.spec.bidExpiresAt = at.adding(seconds: 60)
        lease.status = nil
        XCTAssertNil(lease.timeline.startedAt)
        XCTAssertNil(lease.timeline.durationEndsAt)
        XCTAssertEqual(lease.timeline.bidExpiresAt, at.adding(seconds: 60).date)

        lease.status = ComputeLeaseStatus(conditions: [Condition(type: .paid, status: .true, reason: "TranchePaid", lastTransitionTime: at)],
                                          paidUntil: at.adding(seconds: 600))
        let timeline = lease.timeline
        XCTAssertNil(timeline.bidExpiresAt, "a paid bid no longer expires")
        XCTAssertEqual(timeline.startedAt, at.date)
        XCTAssertEqual(timeline.paidUntil, at.adding(seconds: 600).date)
        XCTAssertEqual(timeline.graceEndsAt, at.adding(seconds: 600 + lease.spec.graceSeconds).date)
        XCTAssertEqual(timeline.durationEndsAt, at.adding(seconds: lease.spec.durationSeconds).date)

        lease.status?.conditions = [Condition(type: .paid, status: .false, reason: "Lapsed", lastTransitionTime: at)]
        XCTAssertNil(lease.timeline.startedAt, "only a Paid that is True started the lease")
    }
}
