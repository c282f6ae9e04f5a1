import Foundation
@testable import Operator
import XCTest

final class InventoryReservationTests: XCTestCase {
    private typealias F = InventoryFixtures
    private let gib = InventoryFixtures.gib
    private let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    private lazy var cluster = InventorySnapshot(nodes: [
        F.gpuNode("g4", gpus: "4"), F.gpuNode("g1", gpus: "1"), F.node("cpu", cpu: "4", memory: "8Gi"),
    ], pods: [])

    private func gpus(_ count: Int64) -> ResourceDemand {
        ResourceDemand(cpuMillis: 1000, memoryBytes: gib, gpus: count, gpuModel: F.model)
    }

    func testAReservationHoldsCapacityOnItsNode() throws {
        let reservation = Reservation(
            id: "req-1", node: "g4", amounts: ResourceAmounts(cpuMillis: 2000, memoryBytes: gib, gpus: [F.model: 3], pods: 1),
            expiresAt: t0 + 60)
        let held = cluster.reserving(reservation)
        let node = try XCTUnwrap(held[node: "g4"])
        XCTAssertEqual(node.reserved, reservation.amounts)
        XCTAssertEqual(node.requested, .zero)
        XCTAssertEqual(node.free, ResourceAmounts(cpuMillis: 30_000, memoryBytes: 127 * gib, gpus: [F.model: 1], pods: 109))
        XCTAssertEqual(held.totals.reserved, reservation.amounts)
        XCTAssertEqual(held.freeGPUs(model: F.model), 2)
        XCTAssertEqual(cluster.reserving(Reservation(id: "x", node: "gone", amounts: reservation.amounts, expiresAt: t0 + 60)), cluster,
                       "a reservation on a node that left holds nothing")
    }

    func testSnapshotReserveReturnsTheHeldSnapshotAndTheReservation() throws {
        let (held, reservation) = try XCTUnwrap(cluster.reserve(id: "req-1", demand: gpus(1), until: t0 + 30))
        XCTAssertEqual(reservation, Reservation(
            id: "req-1", node: "g1", amounts: ResourceAmounts(cpuMillis: 1000, memoryBytes: gib, gpus: [F.model: 1], pods: 1),
            expiresAt: t0 + 30))
        XCTAssertEqual(held[node: "g1"]?.free.gpus, [:])
        XCTAssertEqual(held.canFit(gpus(1))?.node, "g4", "the next bid goes elsewhere")
        XCTAssertNil(cluster.reserve(id: "too-big", demand: gpus(5), until: t0 + 30))
    }

    func testTwoBidsCannotBothPromiseTheLastGPU() {
        var reservations = Reservations()
        let snapshot = InventorySnapshot(nodes: [F.gpuNode("only", gpus: "1")], pods: [])
        XCTAssertEqual(reservations.reserve(id: "first", demand: gpus(1), until: t0 + 60, in: snapshot, now: t0)?.node, "only")
        XCTAssertNil(reservations.reserve(id: "second", demand: gpus(1), until: t0 + 60, in: snapshot, now: t0))
        XCTAssertEqual(reservations.all.map(\.id), ["first"], "a failed reservation changes nothing")
        XCTAssertEqual(snapshot.applying(reservations, now: t0).freeGPUs(model: F.model), 0)
    }

    /// Capacity squatting (issue 13): which unpaid bids a stronger request displaces.
    func testDisplacementReleasesTheFewestWeakestBidsThatMakeRoom() {
        var reservations = Reservations()
        let snapshot = InventorySnapshot(nodes: [F.gpuNode("a", gpus: "2"), F.gpuNode("b", gpus: "2")], pods: [])
        for id in ["w1", "w2", "w3", "w4"] {
            XCTAssertNotNil(reservations.reserve(id: id, demand: gpus(1), until: t0 + 60, in: snapshot, now: t0))
        }
        // Two GPUs on one node: the weakest first, until one node has two free.
        let order = ["w1", "w3", "w2", "w4"]
        let placed = Dictionary(uniqueKeysWithValues: reservations.all.map { ($0.id, $0.node) })
        let released = reservations.displacement(for: gpus(2), releasing: order, in: snapshot, now: t0)
        XCTAssertNotNil(released)
        let freed = Set((released ?? []).compactMap { placed[$0] })
        XCTAssertTrue(released?.count ?? 0 <= 3, "\(String(describing: released))")
        XCTAssertEqual(Array(order.prefix(released?.count ?? 0)), released, "taken in the order given")
        XCTAssertFalse(freed.isEmpty)
        XCTAssertEqual(reservations.all.count, 4, "nothing changes")
        // Already fits: nothing to release. Cannot fit at all: nil.
        XCTAssertEqual(Reservations().displacement(for: gpus(2), releasing: [], in: snapshot, now: t0), [])
        XCTAssertNil(reservations.displacement(for: gpus(3), releasing: order, in: snapshot, now: t0))
        XCTAssertNil(reservations.displacement(for: gpus(1), releasing: [], in: snapshot, now: t0), "no weaker bids, no room")
        // Expired reservations hold nothing.
        XCTAssertEqual(reservations.displacement(for: gpus(2), releasing: [], in: snapshot, now: t0 + 61), [])
    }

    func testReservationsFillNodesInBestFitOrder() {
        var reservations = Reservations()
        var placed: [String?] = []
        for index in 0..<6 {
            placed.append(reservations.reserve(id: "r\(index)", demand: gpus(1), until: t0 + 60, in: cluster, now: t0)?.node)
        }
        XCTAssertEqual(placed, ["g1", "g4", "g4", "g4", "g4", nil])
        XCTAssertEqual(cluster.applying(reservations, now: t0).freeGPUsByModel, [:])
    }

    func testReReservingAnIDReplacesItInsteadOfCountingTwice() {
        var reservations = Reservations()
        XCTAssertEqual(reservations.reserve(id: "req", demand: gpus(4), until: t0 + 10, in: cluster, now: t0)?.node, "g4")
        // The same request bid again (e.g. a re-sent event) keeps its GPUs and gets the new expiry.
        XCTAssertEqual(reservations.reserve(id: "req", demand: gpus(4), until: t0 + 99, in: cluster, now: t0)?.node, "g4")
        XCTAssertEqual(reservations.all.count, 1)
        XCTAssertEqual(reservations["req"]?.expiresAt, t0 + 99)
        // A changed demand moves it.
        XCTAssertEqual(reservations.reserve(id: "req", demand: gpus(1), until: t0 + 99, in: cluster, now: t0)?.node, "g1")
        XCTAssertEqual(cluster.applying(reservations, now: t0).freeGPUs(model: F.model), 4)
    }

    func testAFailedReReservationKeepsTheOldOne() {
        var reservations = Reservations()
        _ = reservations.reserve(id: "req", demand: gpus(1), until: t0 + 10, in: cluster, now: t0)
        XCTAssertNil(reservations.reserve(id: "req", demand: gpus(8), until: t0 + 10, in: cluster, now: t0))
        XCTAssertEqual(reservations["req"]?.node, "g1")
    }

    func testExpiredReservationsHoldNothingAndAreRemoved() {
        var reservations = Reservations()
        _ = reservations.reserve(id: "early", demand: gpus(4), until: t0 + 10, in: cluster, now: t0)
        _ = reservations.reserve(id: "late", demand: gpus(1), until: t0 + 20, in: cluster, now: t0)
        XCTAssertEqual(reservations.nextExpiry, t0 + 10)
        XCTAssertEqual(cluster.applying(reservations, now: t0 + 9.999).freeGPUs(model: F.model), 0)
        XCTAssertEqual(cluster.applying(reservations, now: t0 + 10).freeGPUs(model: F.model), 4, "expired at its expiry instant")
        XCTAssertEqual(reservations.active(at: t0 + 10).map(\.id), ["late"])
        XCTAssertFalse(reservations["early"]!.isActive(at: t0 + 10))
        XCTAssertTrue(reservations["late"]!.isActive(at: t0 + 10))

        // A new bid may take what an expired reservation held, even before it is removed.
        var copy = reservations
        XCTAssertEqual(copy.reserve(id: "new", demand: gpus(4), until: t0 + 40, in: cluster, now: t0 + 15)?.node, "g4")
        XCTAssertNil(copy["early"], "reserving sweeps expired ones")

        XCTAssertEqual(reservations.removeExpired(at: t0 + 15).map(\.id), ["early"])
        XCTAssertEqual(reservations.all.map(\.id), ["late"])
        XCTAssertEqual(reservations.nextExpiry, t0 + 20)
        XCTAssertEqual(reservations.removeExpired(at: t0 + 20).map(\.id), ["late"])
        XCTAssertTrue(reservations.isEmpty)
        XCTAssertNil(reservations.nextExpiry)
    }

    func testReleaseFreesAtOnce() {
        var reservations = Reservations()
        _ = reservations.reserve(id: "paid", demand: gpus(1), until: t0 + 60, in: cluster, now: t0)
        XCTAssertEqual(reservations.release("paid")?.node, "g1")
        XCTAssertNil(reservations.release("paid"))
        XCTAssertEqual(cluster.applying(reservations, now: t0), cluster)
    }

    func testReservationsCanBeRebuiltFromAList() {
        let list = [
            Reservation(id: "b", node: "g4", amounts: ResourceAmounts(gpus: [F.model: 1]), expiresAt: t0 + 5),
            Reservation(id: "a", node: "g1", amounts: ResourceAmounts(gpus: [F.model: 1]), expiresAt: t0 + 6),
        ]
        let reservations = Reservations(list)
        XCTAssertEqual(reservations.all.map(\.id), ["a", "b"])
        XCTAssertEqual(cluster.applying(reservations, now: t0).freeGPUs(model: F.model), 3)
    }
}
