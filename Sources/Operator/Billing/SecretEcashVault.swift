import Billing
import Foundation
import KubeClient

/// The provider's ecash, kept in Kubernetes Secrets in the operator's namespace: one Secret per
/// redemption, `ncn-ecash-<redemption id>`, holding the record as JSON.
///
/// One Secret per redemption rather than per lease because a Secret holds at most 1 MiB and a
/// long lease pays hundreds of tranches; it also means no two redemptions ever contend for one
/// object. The Secrets carry no owner reference and nothing deletes them: they are money.
///
/// RBAC on `secrets` in the namespace: get, list, create, update.
public final class SecretEcashVault: EcashVault {
    public static let namePrefix = "ncn-ecash-"
    public static let ecashLabel = "ncn.dev/ecash"
    public static let stateLabel = "ncn.dev/ecash-state"
    public static let creditedLabel = "ncn.dev/ecash-credited"
    public static let referenceLabel = "ncn.dev/ecash-reference"
    public static let referenceAnnotation = "ncn.dev/ecash-reference"
    static let dataKey = "record.json"
    /// Writers of one record are the redeemer and billing, one after the other; a few retries
    /// cover the rare overlap.
    static let conflictRetries = 8

    public let namespace: String
    private let client: KubernetesClient

    public init(client: KubernetesClient, namespace: String) {
        self.client = client
        self.namespace = namespace
    }

    public static func secretName(id: String) -> String { namePrefix + id }

    public func record(id: String) async throws -> EcashRecord? {
        try Self.checkID(id)
        guard let secret = try await fetch(id: id) else { return nil }
        return try Self.decode(secret)
    }

    public func records() async throws -> [EcashRecord] {
        try await client.listAll(Secret.self, namespace: namespace, labelSelector: "\(Self.ecashLabel)=true").map(Self.decode)
    }

    /// By label: one list of the matching Secrets, not of the whole vault. (A reference that is not a
    /// label value has no label and counts by a full list.)
    public func count(reference: String) async throws -> Int {
        guard Self.isLabelValue(reference) else { return try await records().filter { $0.reference == reference }.count }
        return try await client.listAll(Secret.self, namespace: namespace,
                                        labelSelector: "\(Self.ecashLabel)=true,\(Self.referenceLabel)=\(reference)").count
    }

    public func countUncredited() async throws -> Int {
        try await client.listAll(Secret.self, namespace: namespace, labelSelector: "\(Self.ecashLabel)=true,\(Self.creditedLabel)=false").count
    }

    public func create(_ record: EcashRecord) async throws {
        try Self.checkID(record.id)
        let secret = try makeSecret(record)
        do {
            _ = try await client.create(secret)
        } catch let error as KubernetesError where error.isAlreadyExists {
            throw EcashVaultError.exists(record.id)
        }
        try await confirm(id: record.id, data: secret.data?[Self.dataKey])
    }

    @discardableResult
    public func modify(id: String, _ change: (inout EcashRecord) throws -> Void) async throws -> EcashRecord {
        try Self.checkID(id)
        for _ in 0..<Self.conflictRetries {
            guard let current = try await fetch(id: id) else { throw EcashVaultError.notFound(id) }
            let before = try Self.decode(current)
            var record = before
            try change(&record)
            if record == before { return record }
            var updated = try makeSecret(record)
            // Keep whatever else is on the object (labels someone added), replacing only ours.
            updated.metadata.labels = (current.metadata.labels ?? [:]).merging(updated.metadata.labels ?? [:]) { $1 }
            updated.metadata.annotations = (current.metadata.annotations ?? [:]).merging(updated.metadata.annotations ?? [:]) { $1 }
            updated.metadata.resourceVersion = current.metadata.resourceVersion
            do {
                _ = try await client.replace(updated)
            } catch let error as KubernetesError where error.isConflict {
                continue
            }
            try await confirm(id: id, data: updated.data?[Self.dataKey])
            return record
        }
        throw EcashVaultError.storage("redemption \(id) kept changing under \(Self.conflictRetries) attempts to update it")
    }

    public func delete(id: String, ifStill state: EcashRecord.State) async throws {
        try Self.checkID(id)
        for _ in 0..<Self.conflictRetries {
            guard let current = try await fetch(id: id), try Self.decode(current).state == state else { return }
            do {
                // The resourceVersion precondition: a record that changed since it was read is not deleted.
                try await client.delete(Secret.self, name: Self.secretName(id: id), namespace: namespace,
                                        preconditionResourceVersion: current.metadata.resourceVersion)
                return
            } catch let error as KubernetesError where error.isConflict {
                continue
            } catch let error as KubernetesError where error.isNotFound {
                return
            }
        }
        throw EcashVaultError.storage("redemption \(id) kept changing under \(Self.conflictRetries) attempts to delete it")
    }

    // MARK: Encoding

    private func fetch(id: String) async throws -> Secret? {
        do {
            return try await client.get(Secret.self, name: Self.secretName(id: id), namespace: namespace)
        } catch let error as KubernetesError where error.isNotFound {
            return nil
        }
    }

    /// Reads the Secret back and compares the stored bytes: the write counts only once it is visible.
    private func confirm(id: String, data: String?) async throws {
        guard let stored = try await fetch(id: id), stored.data?[Self.dataKey] == data else {
            throw EcashVaultError.unconfirmed(id)
        }
    }

    private func makeSecret(_ record: EcashRecord) throws -> Secret {
        var labels = [
            LeaseLabels.managedBy: LeaseLabels.managedByValue,
            Self.ecashLabel: "true",
            Self.stateLabel: record.state.rawValue,
            Self.creditedLabel: record.credited ? "true" : "false",
        ]
        if Self.isLabelValue(record.reference) { labels[Self.referenceLabel] = record.reference }
        let metadata = ObjectMeta(name: Self.secretName(id: record.id), namespace: namespace, labels: labels,
                                  annotations: [Self.referenceAnnotation: record.reference])
        let json = try Self.encoder.encode(record)
        return Secret(metadata: metadata, type: "Opaque", data: [Self.dataKey: json.base64EncodedString()])
    }

    private static func decode(_ secret: Secret) throws -> EcashRecord {
        guard let bytes = secret.value(dataKey) else {
            throw EcashVaultError.storage("Secret \(secret.metadata.name ?? "?") has no \(dataKey)")
        }
        do {
            return try JSONDecoder().decode(EcashRecord.self, from: Data(bytes))
        } catch {
            throw EcashVaultError.storage("Secret \(secret.metadata.name ?? "?") does not hold a readable ecash record")
        }
    }

    /// Sorted keys give one encoding per record, so an unchanged record is an unchanged Secret.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Redemption ids are SHA256 hex; anything else would not make a valid Secret name.
    private static func checkID(_ id: String) throws {
        guard id.utf8.count == 64, id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw EcashVaultError.storage("\(id) is not a redemption id (64 lower-case hex digits)")
        }
    }

    private static func isLabelValue(_ value: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= 63 else { return false }
        let allowed = value.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95 || byte == 46
        }
        let alnum: (UInt8) -> Bool = { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
        return allowed && alnum(value.utf8.first!) && alnum(value.utf8.last!)
    }
}
