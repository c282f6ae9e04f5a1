import Foundation

/// Durable storage of received ecash and of swaps in flight. Every write returns only once the
/// record can be read back, because the redeemer's crash safety rests on the order
/// "record pending → swap → record received".
///
/// Implementations provide the four storage primitives; the operations the redeemer and billing
/// call are built on them below, and a test double may override any one of them.
public protocol EcashVault: Sendable {
    func record(id: String) async throws -> EcashRecord?
    func records() async throws -> [EcashRecord]
    /// Stores a new record; throws `EcashVaultError.exists` when one with the id is already there.
    func create(_ record: EcashRecord) async throws
    /// Reads the current record, applies `change` and writes it back atomically (re-reading and
    /// re-applying on a concurrent write). Throws `EcashVaultError.notFound` for an unknown id.
    @discardableResult
    func modify(id: String, _ change: (inout EcashRecord) throws -> Void) async throws -> EcashRecord
    /// Deletes the record if, when deleted, it is still in `state`; nothing otherwise. Only ever
    /// used for records that hold no money.
    func delete(id: String, ifStill state: EcashRecord.State) async throws

    /// Before the swap: the inputs and the outputs' secrets and blinding factors.
    func recordPending(_ swap: CashuPendingSwap) async throws
    /// After the swap: the provider's new proofs. Only after this does `redeem` return.
    func recordReceived(_ redemption: CashuRedemption, proofs: [CashuProof]) async throws
    /// The mint refused the swap for good, or someone else's swap spent the inputs: the mint
    /// signed none of the recorded outputs, so the record holds no money and is deleted. (Kept,
    /// records of forged proofs would grow the vault at no cost to whoever sends them.)
    func discardUnsigned(id: String) async throws
    /// Billing has recorded the credit in the lease; idempotent.
    func markCredited(id: String) async throws
    /// Received but not yet credited: billing calls this at start to finish what a crash interrupted.
    func uncredited() async throws -> [CashuRedemption]
    /// Swaps whose outcome is unknown; `CashuRedeemer.recoverPending()` settles them.
    func pending() async throws -> [CashuPendingSwap]
    /// How many records pay for `reference` (a lease, or an unclaimed request): bounds what one
    /// lease's stream of tiny payments can store.
    func count(reference: String) async throws -> Int
    /// How many records are not credited: bounds what unclaimed ecash can store.
    func countUncredited() async throws -> Int
}

extension EcashVault {
    public func recordPending(_ swap: CashuPendingSwap) async throws {
        do {
            try await create(EcashRecord(pending: swap))
        } catch let error as EcashVaultError where error.isExists {
            // A swap the mint refused for good may be tried again (say, after its keyset came
            // back); anything else with this id is live money and stays as it is.
            try await modify(id: swap.id) { record in
                guard record.state == .abandoned else { throw error }
                record = EcashRecord(pending: swap)
            }
        }
    }

    public func recordReceived(_ redemption: CashuRedemption, proofs: [CashuProof]) async throws {
        try await modify(id: redemption.id) { record in
            if record.state == .received { return }
            record.state = .received
            record.proofs = proofs
            record.redemption = redemption
            record.note = nil
            record.updatedAt = Date()
        }
    }

    public func count(reference: String) async throws -> Int {
        try await records().filter { $0.reference == reference }.count
    }

    public func countUncredited() async throws -> Int {
        try await records().filter { !$0.credited }.count
    }

    public func discardUnsigned(id: String) async throws {
        try await delete(id: id, ifStill: .pending)
    }

    public func markCredited(id: String) async throws {
        try await modify(id: id) { record in
            guard record.state == .received else { throw EcashVaultError.notReceived(id) }
            guard !record.credited else { return }
            record.credited = true
            record.updatedAt = Date()
        }
    }

    public func uncredited() async throws -> [CashuRedemption] {
        try await records().filter { $0.state == .received && !$0.credited }.compactMap(\.redemption)
            .sorted { $0.redeemedAt < $1.redeemedAt }
    }

    public func pending() async throws -> [CashuPendingSwap] {
        try await records().filter { $0.state == .pending }.map(\.swap).sorted { $0.createdAt < $1.createdAt }
    }
}

/// Why the vault refused or failed a write.
public struct EcashVaultError: Error, CustomStringConvertible, Equatable {
    private enum Code: Equatable {
        case exists(String)
        case notFound(String)
        case notReceived(String)
        case unconfirmed(String)
        case storage(String)
    }
    private let code: Code

    public static func exists(_ id: String) -> Self { Self(code: .exists(id)) }
    public static func notFound(_ id: String) -> Self { Self(code: .notFound(id)) }
    public static func notReceived(_ id: String) -> Self { Self(code: .notReceived(id)) }
    /// The write went through but reading it back did not show it.
    public static func unconfirmed(_ id: String) -> Self { Self(code: .unconfirmed(id)) }
    public static func storage(_ why: String) -> Self { Self(code: .storage(why)) }

    public var isExists: Bool { if case .exists = code { return true } else { return false } }
    public var isNotFound: Bool { if case .notFound = code { return true } else { return false } }

    public var description: String {
        switch code {
        case let .exists(id): return "the ecash vault already holds redemption \(id)"
        case let .notFound(id): return "the ecash vault holds no redemption \(id)"
        case let .notReceived(id): return "redemption \(id) cannot be credited: its ecash has not been received"
        case let .unconfirmed(id): return "the ecash vault could not confirm its write of redemption \(id)"
        case let .storage(why): return "the ecash vault failed: \(why)"
        }
    }
}
