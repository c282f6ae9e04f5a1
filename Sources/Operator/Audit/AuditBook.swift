import Foundation
import KubeClient

/// Where the audit trail keeps its records (pure): one ConfigMap per day and shard in the
/// operator's namespace, each lease a key holding one JSON line. Sharded by lease name so that a
/// busy day stays within the apiserver's 1 MiB per object (16 shards of about 1,500 records
/// of ~650 bytes: some 24,000 ended leases a day).
public enum AuditBook {
    public static let shards = 16
    /// The label every audit ConfigMap carries, with its day as the value.
    public static let dayLabel = "ncn.dev/audit-day"
    public static let namePrefix = "ncn-audit-"

    /// "2026-12-07": the UTC day a lease ended on.
    public static func day(of date: Date) -> String {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// The ConfigMap holding `lease`'s record for `day`, e.g. "ncn-audit-2026-12-07-a".
    public static func configMapName(day: String, lease: String) -> String {
        namePrefix + day + "-" + String(shard(of: lease), radix: 16)
    }

    /// Overflow ConfigMaps per shard: a day of up to 16 × 9 × ~1,500 records.
    public static let overflows = 8

    /// Where `lease`'s record goes, in order: its shard, then the shard's overflows.
    public static func configMapNames(day: String, lease: String) -> [String] {
        let shard = configMapName(day: day, lease: lease)
        return [shard] + (1...overflows).map { "\(shard)-\(String($0))" }
    }

    /// The apiserver's answer to an object over its size limit: 422 with a "Too long" cause
    /// (validation, 1 MiB for a ConfigMap), or 413 (beyond what it reads at all).
    public static func isTooLarge(_ error: KubernetesError) -> Bool {
        if error.statusCode == 413 { return true }
        guard error.statusCode == 422 else { return false }
        return error.status?.details?.causes?.contains { $0.reason == "FieldValueTooLong" } ?? false
    }

    /// FNV-1a over the name: stable across processes and releases, unlike Swift's hashValue.
    static func shard(of lease: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in lease.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash % UInt32(shards))
    }

    /// The days among `days` older than `retentionDays` whole days before `now`'s day.
    public static func expired(_ days: Set<String>, now: Date, retentionDays: Int) -> [String] {
        let cutoff = day(of: now.addingTimeInterval(-Double(retentionDays) * 86_400))
        // ISO days order as text.
        return days.filter { $0 < cutoff }.sorted()
    }
}
