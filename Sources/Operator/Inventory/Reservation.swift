import Foundation

/// Capacity promised in a bid that is not paid yet, held on one node until it expires, so two
/// bids cannot both promise the last GPU.
public struct Reservation: Sendable, Hashable {
    /// The lease or job-request id the bid answers.
    public var id: String
    public var node: String
    public var amounts: ResourceAmounts
    /// Wall-clock time, like the bid's expiry that tenants see.
    public var expiresAt: Date

    public init(id: String, node: String, amounts: ResourceAmounts, expiresAt: Date) {
        self.id = id
        self.node = node
        self.amounts = amounts
        self.expiresAt = expiresAt
    }

    public func isActive(at now: Date) -> Bool { now < expiresAt }
}

/// The outstanding reservations by id: a value with no IO and no clock of its own.
public struct Reservations: Sendable, Equatable {
    private var byID: [String: Reservation] = [:]

    public init(_ reservations: [Reservation] = []) {
        for reservation in reservations { byID[reservation.id] = reservation }
    }

    /// All of them, expired or not, by id.
    public var all: [Reservation] { byID.values.sorted { $0.id < $1.id } }

    public var isEmpty: Bool { byID.isEmpty }

    public subscript(id: String) -> Reservation? { byID[id] }

    /// The reservations in force at `now`.
    public func active(at now: Date) -> [Reservation] { all.filter { $0.isActive(at: now) } }

    /// When the next one expires, so the holder can release its capacity then.
    public var nextExpiry: Date? { byID.values.map(\.expiresAt).min() }

    /// Adds or replaces the reservation with that id.
    public mutating func insert(_ reservation: Reservation) { byID[reservation.id] = reservation }

    /// Drops a reservation: its bid was paid (the pod now holds the capacity) or withdrawn.
    @discardableResult
    public mutating func release(_ id: String) -> Reservation? { byID.removeValue(forKey: id) }

    /// Drops the reservations expired at `now` and returns them.
    @discardableResult
    public mutating func removeExpired(at now: Date) -> [Reservation] {
        let expired = all.filter { !$0.isActive(at: now) }
        for reservation in expired { byID[reservation.id] = nil }
        return expired
    }

    /// Finds the best node for `demand` in `snapshot` net of the other active reservations, and
    /// holds it under `id` until `expiresAt`. Reserving an id again replaces its earlier
    /// reservation (a re-bid does not count twice). Nil, and nothing changes, when it does not fit.
    public mutating func reserve(
        id: String, demand: ResourceDemand, until expiresAt: Date, in snapshot: InventorySnapshot, now: Date
    ) -> NodeFit? {
        var others = self
        others.release(id)
        others.removeExpired(at: now)
        guard let fit = snapshot.applying(others, now: now).canFit(demand) else { return nil }
        others.insert(Reservation(id: id, node: fit.node, amounts: fit.amounts, expiresAt: expiresAt))
        self = others
        return fit
    }

    /// The fewest of `candidates`, taken in the order given (the weakest bids first), whose
    /// release lets `demand` fit in `snapshot`: empty when it fits already, nil when even
    /// releasing all of them would not make room. Nothing changes.
    public func displacement(
        for demand: ResourceDemand, releasing candidates: [String], in snapshot: InventorySnapshot, now: Date
    ) -> [String]? {
        var remaining = self
        remaining.removeExpired(at: now)
        var released: [String] = []
        for id in [nil] + candidates.map(Optional.some) {
            if let id {
                guard remaining.release(id) != nil else { continue }
                released.append(id)
            }
            if snapshot.applying(remaining, now: now).canFit(demand) != nil { return released }
        }
        return nil
    }
}
