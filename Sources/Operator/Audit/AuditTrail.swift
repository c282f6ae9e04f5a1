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

    public func record(_ record: LeaseAuditRecord, endedAt: Date) async throws {
        let day = AuditBook.day(of: endedAt)
        let name = AuditBook.configMapName(day: day, lease: record.lease)
        let line = try record.json()
        // Several operators' workers write into one shard: a lost race is tried again.
        for _ in 0..<8 {
            do {
                var book = try await client.get(ConfigMap.self, name: name, namespace: namespace)
                if book.data?[record.lease] == line { return }
                book.data = (book.data ?? [:]).merging([record.lease: line]) { $1 }
                _ = try await client.replace(book)
                Counter(label: "ncn_audit_records_total").increment()
                return
            } catch let error as KubernetesError where error.isNotFound {
                var metadata = ObjectMeta(name: name, namespace: namespace)
                metadata.labels = [AuditBook.dayLabel: day, "app.kubernetes.io/part-of": "nostr-compute"]
                do {
                    _ = try await client.create(ConfigMap(metadata: metadata, data: [record.lease: line]))
                    Counter(label: "ncn_audit_records_total").increment()
                    return
                } catch let error as KubernetesError where error.isAlreadyExists {
                    continue
                }
            } catch let error as KubernetesError where error.isConflict {
                continue
            }
        }
        throw AuditTrailError.contended(name)
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
    private enum Code { case contended(String) }
    private let code: Code

    static func contended(_ name: String) -> Self { .init(code: .contended(name)) }

    public var description: String {
        switch code {
        case let .contended(name): return "the audit ConfigMap \(name) kept changing under eight writes in a row; trying again"
        }
    }
}
