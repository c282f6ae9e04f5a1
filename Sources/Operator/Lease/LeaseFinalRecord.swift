import ComputeAPI
import Foundation

/// What happened to a lease, handed over before the object disappears so the tenant
/// (over Nostr) and the provider's books learn the outcome.
public struct LeaseFinalRecord: Sendable, Equatable {
    public var leaseName: String
    public var tenantPubkey: String
    public var requestEventId: String
    public var relays: [String]
    public var phase: LeasePhase
    public var reason: TerminationReason
    public var message: String
    /// The workload's exit code, when it exited.
    public var exitCode: Int32?
    public var ledger: LedgerSummary
    /// How the tenant's request was encrypted ("nip44", "nip04"), so the last answer is too.
    public var replyEncryption: String?
    /// When the lease's deletion began: fixed from then on, so the final answer sent again after
    /// a crash carries the same time (and is the same event).
    public var endedAt: Date?

    public init(lease: ComputeLease) {
        leaseName = lease.metadata.name ?? ""
        tenantPubkey = lease.spec.tenantPubkey
        requestEventId = lease.spec.requestEventId
        relays = lease.spec.relays
        phase = lease.status?.phase ?? .terminated
        reason = lease.status?.terminationReason ?? .providerTerminated
        message = lease.status?.message ?? "The lease was deleted."
        exitCode = lease.status?.exitCode
        ledger = lease.status?.ledger ?? LedgerSummary()
        replyEncryption = lease.metadata.annotations?[MarketAnnotations.encryption]
        endedAt = lease.metadata.deletionTimestamp.flatMap { Timestamp(rfc3339: $0)?.date }
    }
}

/// Receives final records (the Nostr bridge publishes them as the tenant's final result).
/// Must be idempotent: a crash after publishing but before the finalizer is removed repeats it.
public protocol LeaseFinalRecordSink: Sendable {
    func publish(_ record: LeaseFinalRecord) async throws
}
