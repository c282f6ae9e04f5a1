import NIOConcurrencyHelpers

/// An `EcashVault` that forgets everything when the process ends: for tests only.
public final class InMemoryEcashVault: EcashVault {
    private let storage = NIOLockedValueBox<[String: EcashRecord]>([:])

    public init() {}

    public func record(id: String) async throws -> EcashRecord? { storage.withLockedValue { $0[id] } }

    public func records() async throws -> [EcashRecord] { storage.withLockedValue { Array($0.values) } }

    public func create(_ record: EcashRecord) async throws {
        try storage.withLockedValue { records in
            guard records[record.id] == nil else { throw EcashVaultError.exists(record.id) }
            records[record.id] = record
        }
    }

    @discardableResult
    public func modify(id: String, _ change: (inout EcashRecord) throws -> Void) async throws -> EcashRecord {
        try storage.withLockedValue { records in
            guard var record = records[id] else { throw EcashVaultError.notFound(id) }
            try change(&record)
            records[id] = record
            return record
        }
    }

    public func delete(id: String, ifStill state: EcashRecord.State) async throws {
        storage.withLockedValue { records in
            if records[id]?.state == state { records[id] = nil }
        }
    }
}
