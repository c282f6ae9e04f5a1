import ComputeAPI
import Foundation
import KubeClient
import Logging
import Metrics

/// Writes each ended lease's `LeaseAuditRecord` into the day's ConfigMap (`AuditBook`), and
/// deletes days older than the retention. Written before the lease's final answer goes out and its
/// finalizer is released, so no lease leaves without its record; writing it again after a crash
/// puts the same line under the same key.
public struct AuditTrail: Sendable {
    let client: KubernetesClient
    /// The operator's own namespace.
    let namespace: String
    /// Days of records kept.
    public let retentionDays: Int

    public init(client: KubernetesClient, namespace: String, retentionDays: Int) {
        self.client = client
        self.namespace = namespace
        self.retentionDays = retentionDays
    }

    /// Adds the record's line under its lease's key with one merge patch (no read, no conflict:
    /// writers of other keys do not collide). A shard the apiserver finds too large (1 MiB) spills
    /// into its overflow ConfigMaps, `<shard>-1`, `<shard>-2`, …, which carry the same day label.
    public func record(_ record: LeaseAuditRecord, endedAt: Date) async throws {
        let day = AuditBook.day(of: endedAt)
        let line = try record.json()
        for name in AuditBook.configMapNames(day: day, lease: record.lease) {
            if try await put(line, key: record.lease, into: name, day: day) {
                Counter(label: "ncn_audit_records_total").increment()
                return
            }
        }
        throw AuditTrailError.full(AuditBook.configMapName(day: day, lease: record.lease))
    }

    /// False when the ConfigMap is too full for the line.
    private func put(_ line: String, key: String, into name: String, day: String) async throws -> Bool {
        let patch = try JSONSerialization.data(withJSONObject: ["data": [key: line]], options: [.sortedKeys])
        for _ in 0..<2 {
            do {
                _ = try await client.patch(ConfigMap.self, name: name, namespace: namespace, .merge(Array(patch)))
                return true
            } catch let error as KubernetesError where error.isNotFound {
                var metadata = ObjectMeta(name: name, namespace: namespace)
                metadata.labels = [AuditBook.dayLabel: day, "app.kubernetes.io/part-of": "nostr-compute"]
                do {
                    _ = try await client.create(ConfigMap(metadata: metadata, data: [key: line]))
                    return true
                } catch let error as KubernetesError where error.isAlreadyExists {
                    continue  // another writer made it first: patch it
                }
            } catch let error as KubernetesError where AuditBook.isTooLarge(error) {
                return false
            }
        }
        return false
    }

    /// Deletes the ConfigMaps of days past the retention; returns the days deleted.
    @discardableResult
    public func prune(now: Date) async throws -> [String] {
        let books = try await client.list(ConfigMap.self, namespace: namespace, labelSelector: AuditBook.dayLabel).items
        let days = Set(books.compactMap { $0.metadata.labels?[AuditBook.dayLabel] })
        let expired = Set(AuditBook.expired(days, now: now, retentionDays: retentionDays))
        for book in books where expired.contains(book.metadata.labels?[AuditBook.dayLabel] ?? "") {
            do {
                try await client.delete(ConfigMap.self, name: book.metadata.name ?? "", namespace: namespace)
            } catch let error as KubernetesError where error.isNotFound {}
        }
        return expired.sorted()
    }

    /// Every record kept, oldest day first; a line that does not decode (edited by hand) is skipped.
    public func records() async throws -> [LeaseAuditRecord] {
        let books = try await client.list(ConfigMap.self, namespace: namespace, labelSelector: AuditBook.dayLabel).items
        let decoder = JSONDecoder()
        return books.sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }.flatMap { book in
            (book.data ?? [:]).sorted { $0.key < $1.key }.compactMap { try? decoder.decode(LeaseAuditRecord.self, from: Data($0.value.utf8)) }
        }
    }

    /// Prunes now and then every hour, until cancelled; an error is logged and tried next hour.
    public func runPruning(logger: Logger) async {
        while !Task.isCancelled {
            do {
                let deleted = try await prune(now: Date())
                if !deleted.isEmpty { logger.info("audit days past the retention deleted", metadata: ["days": "\(deleted.joined(separator: ","))"]) }
            } catch {
                logger.warning("pruning the audit trail failed; trying again in an hour", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(3600))
        }
    }
}

/// Why an audit record could not be written.
public struct AuditTrailError: Error, CustomStringConvertible {
    private enum Code { case full(String) }
    private let code: Code

    static func full(_ name: String) -> Self { .init(code: .full(name)) }

    public var description: String {
        switch code {
        case let .full(name): return "the audit ConfigMap \(name) and all \(AuditBook.overflows) of its overflows are full; "
            + "lower --audit-retention-days or move old days out (kubectl -n ncn-system get configmaps -l \(AuditBook.dayLabel))"
        }
    }
}
