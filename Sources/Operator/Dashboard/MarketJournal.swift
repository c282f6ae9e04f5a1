import Foundation
import Synchronization

/// What the market did with each recent request, newest last, for the provider's dashboard.
/// Bounded: a flood of strangers' requests replaces older entries and never grows the memory.
public final class MarketJournal: Sendable {
    public struct Entry: Sendable, Equatable, Codable {
        public enum Outcome: String, Sendable, Codable {
            case bid
            case refused
            case ignored
        }

        public var at: Date
        /// The request's event id (hex).
        public var request: String
        /// The tenant's public key (hex), when the request could be read.
        public var tenant: String?
        public var outcome: Outcome
        /// Why it was refused or ignored, as the tenant was told (or, for ignored, as the log says).
        public var reason: String?
        /// The `["reason", …]` code of a refusal.
        public var code: String?
        /// The lease of a bid.
        public var lease: String?
        /// A refusal that was decided but not sent: the refusal rate limit was reached.
        public var unsent: Bool

        public init(at: Date, request: String, tenant: String?, outcome: Outcome, reason: String? = nil, code: String? = nil,
                    lease: String? = nil, unsent: Bool = false) {
            self.at = at
            self.request = request
            self.tenant = tenant
            self.outcome = outcome
            self.reason = reason
            self.code = code
            self.lease = lease
            self.unsent = unsent
        }
    }

    public let capacity: Int
    private let entries: Mutex<Deque>

    public init(capacity: Int = 200) {
        self.capacity = max(1, capacity)
        entries = Mutex(Deque(capacity: max(1, capacity)))
    }

    public func record(_ entry: Entry) {
        entries.withLock { $0.append(entry) }
    }

    /// Newest last.
    public func recent() -> [Entry] { entries.withLock { $0.ordered } }

    /// A fixed-size ring: appending to a full one overwrites the oldest entry.
    private struct Deque: Sendable {
        var storage: [Entry] = []
        var next = 0
        let capacity: Int

        init(capacity: Int) { self.capacity = capacity }

        mutating func append(_ entry: Entry) {
            if storage.count < capacity {
                storage.append(entry)
            } else {
                storage[next] = entry
            }
            next = (next + 1) % capacity
        }

        var ordered: [Entry] {
            storage.count < capacity ? storage : Array(storage[next...] + storage[..<next])
        }
    }
}
