import Foundation
import KubeClient
import Synchronization

/// What the reconciler last applied of each lease child, and the resourceVersion the apiserver
/// gave back. A child whose cached resourceVersion is still that one, and whose desired form is
/// unchanged, is as we left it: applying it again would change nothing and cost a round trip.
/// A lease is reconciled again after each of the operator's own writes (its status, billing's
/// credit, the announcer's marks), so without this every wake re-applied every child.
///
/// Only in memory: after a restart the first reconcile of each lease applies everything, as the
/// record is empty. A child edited or deleted by hand has another resourceVersion, or none, in
/// the cache, and is applied again, so hand edits are still reverted.
public final class AppliedChildren: Sendable {
    struct Record: Equatable, Sendable {
        var desired: Int
        var resourceVersion: String
    }

    /// By the lease's namespace, then by kind and name.
    private let records = Mutex<[String: [String: Record]]>([:])

    public init() {}

    /// A child of the lease whose namespace is `namespace`: the namespace itself, or an object in it.
    struct Child: Hashable, Sendable {
        var namespace: String
        var kind: LeaseChildKind
        var name: String
    }

    /// The fingerprint of a desired object: its JSON with sorted keys.
    static func fingerprint(_ object: some Encodable) -> Int? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let data = try? encoder.encode(object) else { return nil }
        var hasher = Hasher()
        hasher.combine(data)
        return hasher.finalize()
    }

    /// Whether `desired` must be applied, given the resourceVersion the cache shows for it (nil: not in the cache).
    func needsApply(_ child: Child, desired: Int?, cachedVersion: String?) -> Bool {
        guard let desired, let cachedVersion else { return true }
        return records.withLock { $0[child.namespace]?["\(child.kind)/\(child.name)"] } != Record(desired: desired, resourceVersion: cachedVersion)
    }

    func record(_ child: Child, desired: Int?, resourceVersion: String?) {
        records.withLock { records in
            if let desired, let resourceVersion {
                records[child.namespace, default: [:]]["\(child.kind)/\(child.name)"] = Record(desired: desired, resourceVersion: resourceVersion)
            } else {
                records[child.namespace]?["\(child.kind)/\(child.name)"] = nil
            }
        }
    }

    /// Forgets every child of the lease whose namespace is `namespace`: it is gone.
    func forget(namespace: String) {
        _ = records.withLock { $0.removeValue(forKey: namespace) }
    }

    var count: Int { records.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}

/// The lease children applied only when changed: those the lease controller watches (by identity)
/// and whose apply answer it does not read. The Service's answer carries its node ports, and the
/// Job is applied only while it does not exist.
enum LeaseChildKind: String, Sendable {
    case namespace, resourceQuota, limitRange, networkPolicy
}
