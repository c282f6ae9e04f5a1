import ComputeAPI
import Foundation
import NostrBridge

/// The lease's last word to the tenant: a 6900 `completed` or `terminated` with the reason.
/// At least once: the lease controller marks the lease after this returns, and calls again after a crash.
extension MarketBridge: LeaseFinalRecordSink {
    public func publish(_ record: LeaseFinalRecord) async throws {
        guard let key = connection.withLock({ $0?.key }) else { throw MarketError.notConnected }
        inventory?.release(reservation: record.requestEventId)
        let context = ComputeReplyContext(requestID: record.requestEventId, tenant: record.tenantPubkey,
                                          encryption: record.replyEncryption.flatMap(ComputeEncryption.init(rawValue:)))
        let reason = Self.endReason(record)
        let at = record.endedAt.map(LeaseAnnouncement.seconds)
        // The 6900 for clients of this draft, and its NIP-90 7000 (success or error) for generic
        // ones; both with the ending's time, so that a repeat after a crash is the same event.
        let ended = try ComputeResult.ended(context, reason: reason, exitCode: record.exitCode.map(Int.init), message: record.message).sign(with: key, createdAt: at)
        let feedback = try ComputeFeedback.ended(context, reason: reason, message: record.message).sign(with: key, createdAt: at)
        for event in [ended, feedback] {
            guard await publish(event, requestRelays: record.relays) else { throw MarketError.notPublished("final") }
        }
    }

    static func endReason(_ record: LeaseFinalRecord) -> ComputeEndReason {
        switch record.reason {
        case .paymentLapsed: return .unpaid
        case .bidExpired: return .bidExpired
        case .durationElapsed: return .durationEnded
        case .tenantCancelled: return .cancelled
        case .policyViolation: return .policyViolation
        case .workloadExited: return record.phase == .succeeded ? .exited : .failed
        case .workloadNotStarted: return .failed
        default: return .providerStopped
        }
    }
}
