/// The bookkeeping of a controller's work queue, with no IO and no clock of its own.
/// Keys are de-duplicated; a key is never handed out twice at once; a key added while it is
/// being processed runs again afterwards; delayed keys wait until they are due.
struct WorkQueueState<Key: Hashable & Sendable, Instant: Comparable & Sendable>: Sendable {
    /// Key → the earliest time it may run.
    private(set) var pending: [Key: Instant] = [:]
    private(set) var running: Set<Key> = []
    /// Keys re-added while running, with when they may run again.
    private var again: [Key: Instant] = [:]

    /// Schedules `key` to run no later than `due` (an earlier schedule wins).
    mutating func add(_ key: Key, due: Instant) {
        if running.contains(key) {
            again[key] = again[key].map { min($0, due) } ?? due
        } else {
            pending[key] = pending[key].map { min($0, due) } ?? due
        }
    }

    /// The next key that is due at `now`, now marked running; the earliest due wins.
    mutating func take(now: Instant) -> Key? {
        // One pass and no copy: a restart queues every lease at once, and each take scans them all.
        var earliest: (key: Key, due: Instant)?
        for (key, due) in pending where due <= now && earliest.map({ due < $0.due }) ?? true { earliest = (key, due) }
        guard let key = earliest?.key else { return nil }
        pending[key] = nil
        running.insert(key)
        return key
    }

    /// When the earliest pending key becomes due, if any.
    var nextDue: Instant? { pending.values.min() }

    /// Processing of `key` finished; `requeue` schedules it again (e.g. a periodic re-check).
    mutating func finish(_ key: Key, requeue: Instant?) {
        running.remove(key)
        var due = again.removeValue(forKey: key)
        if let requeue { due = due.map { min($0, requeue) } ?? requeue }
        if let due { add(key, due: due) }
    }

    /// Forgets a key entirely, e.g. when its object was deleted and cleaned up.
    mutating func forget(_ key: Key) {
        pending[key] = nil
        again[key] = nil
    }

    var isIdle: Bool { pending.isEmpty && running.isEmpty }
    var depth: Int { pending.count }
}
