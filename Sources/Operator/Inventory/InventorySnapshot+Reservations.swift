import Foundation

extension InventorySnapshot {
    /// The snapshot with `reservation` held on its node (ignored if the node is gone).
    public func reserving(_ reservation: Reservation) -> InventorySnapshot {
        var copy = self
        copy.modifyNode(named: reservation.node) { $0.reserved += reservation.amounts }
        return copy
    }

    /// The snapshot with every reservation active at `now` held.
    public func applying(_ reservations: Reservations, now: Date) -> InventorySnapshot {
        var copy = self
        for reservation in reservations.active(at: now) {
            copy.modifyNode(named: reservation.node) { $0.reserved += reservation.amounts }
        }
        return copy
    }

    /// Holds `demand` on its best node until `expiresAt`: the reservation to keep, and the
    /// snapshot with it applied. Nil when it does not fit.
    public func reserve(id: String, demand: ResourceDemand, until expiresAt: Date) -> (snapshot: InventorySnapshot, reservation: Reservation)? {
        guard let fit = canFit(demand) else { return nil }
        let reservation = Reservation(id: id, node: fit.node, amounts: fit.amounts, expiresAt: expiresAt)
        return (reserving(reservation), reservation)
    }
}
