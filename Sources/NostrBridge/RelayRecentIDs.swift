/// A set of the most recently inserted event ids, bounded in memory: once full, each new id
/// evicts the oldest. Used to deliver an event once even when several relays (or one relay after
/// a resubscribe) send it again; the window must cover the events a resubscribe can replay.
struct RelayRecentIDs: Sendable {
    let capacity: Int
    private var members: Set<String> = []
    /// Ring buffer of insertion order; `next` is the slot to overwrite once full.
    private var order: [String] = []
    private var next = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        self.members.reserveCapacity(min(self.capacity, 4096))
    }

    var count: Int { self.members.count }

    func contains(_ id: String) -> Bool { self.members.contains(id) }

    /// Inserts `id`; returns false if it was already present (a duplicate).
    mutating func insert(_ id: String) -> Bool {
        guard !self.members.contains(id) else { return false }
        if self.order.count < self.capacity {
            self.order.append(id)
        } else {
            self.members.remove(self.order[self.next])
            self.order[self.next] = id
            self.next = (self.next + 1) % self.capacity
        }
        self.members.insert(id)
        return true
    }
}
