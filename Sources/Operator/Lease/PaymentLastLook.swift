import ComputeAPI
import Foundation

/// Asks the wallet about a lease's open invoices once more, right before the lease would end for
/// want of payment. Billing polls on an interval, so a payment made in the last seconds before a
/// bid expires or grace runs out may not have been seen yet; ending without this look would keep
/// the tenant's money and give nothing for it.
public protocol PaymentLastLook: Sendable {
    /// True when a payment was found and credited (the lease's status changes; decide again).
    /// Throws when the wallet could not be asked.
    func lastLook(at lease: ComputeLease) async throws -> Bool
}

enum LastLookPolicy {
    /// How long past the deadline an unreachable wallet may hold the end back. Bounded, so an
    /// unpaid workload never runs on for long because a wallet is down.
    static let patience: TimeInterval = 30
    static let retry: Duration = .seconds(5)

    /// Only ends for lack of payment wait for the wallet; only Lightning has invoices to ask about.
    static func applies(to lease: ComputeLease, reason: TerminationReason) -> Bool {
        guard reason == .bidExpired || reason == .paymentLapsed, lease.spec.paymentRail == .lightning else { return false }
        return lease.status?.ledger?.invoices?.contains { $0.state == .open } ?? false
    }

    /// The instant the lease became due to end for lack of payment.
    static func deadline(of lease: ComputeLease) -> Date? {
        let timeline = lease.timeline
        return timeline.graceEndsAt ?? timeline.bidExpiresAt
    }
}
