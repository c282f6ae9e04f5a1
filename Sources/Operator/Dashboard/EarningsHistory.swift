import ComputeAPI
import Foundation

/// Payments received over time, by rail: what the dashboard's chart draws. Fed from the leases'
/// ledgers (each credit with its time) and, for leases already gone, from the audit trail.
/// A lease's status keeps only its newest credits (`LedgerSummary.keptCredits`), so what it
/// received beyond the credits ever seen is kept as one payment at its oldest known credit.
public struct EarningsHistory: Sendable, Equatable {
    public struct Payment: Sendable, Equatable {
        public var lease: String
        public var rail: String
        public var msats: Int64
        public var at: Date
    }

    public struct Series: Sendable, Equatable, Codable {
        public var rail: String
        /// [unix seconds, msats received in the window up to then].
        public var points: [[Int64]]
    }

    /// How far back the chart goes.
    public let window: TimeInterval
    /// Payments remembered at most; the oldest go first.
    public let capacity: Int
    /// Drawn points per rail at most; a longer series keeps the last point of each stretch.
    public let maxPoints: Int
    public private(set) var payments: [String: Payment] = [:]
    /// The keys of `payments` per lease, kept beside it by `set(_:_:)`.
    private var keysByLease: [String: Set<String>] = [:]

    public init(window: TimeInterval = 7 * 86_400, capacity: Int = 20_000, maxPoints: Int = 400) {
        self.window = window
        self.capacity = capacity
        self.maxPoints = max(2, maxPoints)
    }

    public mutating func observe(_ leases: [ComputeLease]) {
        for lease in leases {
            guard let name = lease.metadata.name, let ledger = lease.status?.ledger, ledger.msatsReceived > 0 else { continue }
            var fresh: [(String, Payment)] = []
            for credit in ledger.credits ?? [] where payments[credit.id] == nil {
                fresh.append((credit.id, Payment(lease: name, rail: credit.rail.rawValue, msats: credit.msats, at: credit.at.date)))
            }
            for (key, payment) in fresh { set(key, payment) }
            let earlierKey = "earlier:\(name)"
            let known = keysByLease[name, default: []].filter { $0 != earlierKey }.compactMap { payments[$0] }
            let unaccounted = ledger.msatsReceived - known.reduce(0) { $0 + $1.msats }
            if unaccounted > 0 {
                if payments[earlierKey]?.msats == unaccounted { continue }
                let at = known.map(\.at).min() ?? ledger.lastPaymentAt?.date ?? lease.metadata.creationTimestamp.flatMap { Timestamp(rfc3339: $0)?.date } ?? Date()
                set(earlierKey, Payment(lease: name, rail: lease.spec.paymentRail.rawValue, msats: unaccounted, at: at))
            } else {
                set(earlierKey, nil)
            }
        }
    }

    private mutating func set(_ key: String, _ payment: Payment?) {
        if let old = payments[key] {
            keysByLease[old.lease]?.remove(key)
            if keysByLease[old.lease]?.isEmpty == true { keysByLease[old.lease] = nil }
        }
        payments[key] = payment
        if let payment { keysByLease[payment.lease, default: []].insert(key) }
    }

    /// Leases that ended before this process saw their payments: one payment each, when they ended.
    public mutating func observe(_ records: [LeaseAuditRecord]) {
        for record in records where record.msatsReceived > 0 && keysByLease[record.lease] == nil {
            guard let ended = Timestamp(rfc3339: record.endedAt)?.date else { continue }
            set("audit:\(record.lease)", Payment(lease: record.lease, rail: record.paymentRail, msats: record.msatsReceived, at: ended))
        }
    }

    /// Forgets what is older than the window, then the oldest beyond the capacity. The payments
    /// of `live` leases older than the window are kept: forgotten, they would come back as
    /// "received beyond the credits seen", dated too late.
    public mutating func prune(now: Date, live: Set<String> = []) {
        let start = now.addingTimeInterval(-window)
        var gone = payments.filter { $0.value.at < start && !live.contains($0.value.lease) }.map(\.key)
        if payments.count - gone.count > capacity {
            gone += payments.filter { $0.value.at >= start }.sorted { $0.value.at < $1.value.at }
                .prefix(payments.count - gone.count - capacity).map(\.key)
        }
        for key in gone { set(key, nil) }
    }

    /// Received per rail within the window.
    public func totals(now: Date) -> [String: Int64] {
        let start = now.addingTimeInterval(-window)
        return payments.values.filter { $0.at >= start }.reduce(into: [:]) { $0[$1.rail, default: 0] += $1.msats }
    }

    /// One cumulative series per rail, from zero a little before the first payment in the window
    /// (a new provider's week is not mostly an empty line) to the total now.
    public func series(now: Date) -> [Series] {
        let windowStart = now.addingTimeInterval(-window)
        let shown = payments.values.filter { $0.at >= windowStart && $0.at <= now }
        guard let first = shown.map(\.at).min() else { return [] }
        let lead = max(300, now.timeIntervalSince(first) / 10)
        let start = max(windowStart, first.addingTimeInterval(-lead))
        let byRail = Dictionary(grouping: shown, by: \.rail)
        return byRail.keys.sorted().map { rail in
            var total: Int64 = 0
            var points: [[Int64]] = [[Int64(start.timeIntervalSince1970), 0]]
            for payment in byRail[rail, default: []].sorted(by: { $0.at < $1.at }) {
                total += payment.msats
                points.append([Int64(payment.at.timeIntervalSince1970), total])
            }
            points.append([Int64(now.timeIntervalSince1970), total])
            return Series(rail: rail, points: Self.thinned(points, to: maxPoints))
        }
    }

    /// At most `limit` points, first and last kept: a cumulative line loses only detail.
    static func thinned(_ points: [[Int64]], to limit: Int) -> [[Int64]] {
        guard points.count > limit else { return points }
        let stride = Double(points.count - 1) / Double(limit - 1)
        return (0..<limit).map { points[min(points.count - 1, Int((Double($0) * stride).rounded()))] }
    }
}
