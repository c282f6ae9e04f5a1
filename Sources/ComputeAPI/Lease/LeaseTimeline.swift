import Foundation

/// The times a lease lives by, read from its spec and status in one place, so billing, the
/// reconciler and the market count from the same instants without reading each other's code.
public struct LeaseTimeline: Sendable, Equatable {
    /// Until when the bid may be paid (nil once it was, or when it never expires).
    public var bidExpiresAt: Date?
    /// When the first tranche was credited: the Paid condition's transition to True, which billing
    /// writes once. The requested duration counts from here.
    public var startedAt: Date?
    /// Payments cover the workload until this time.
    public var paidUntil: Date?
    /// The end of the requested duration.
    public var durationEndsAt: Date?
    /// When an unpaid lease ends: paid-until plus the grace period.
    public var graceEndsAt: Date?

    public init(_ lease: ComputeLease) {
        let status = lease.status
        startedAt = status?.conditions?.first { $0.type == .paid && $0.status == .true }?.lastTransitionTime.date
        paidUntil = status?.paidUntil?.date
        bidExpiresAt = paidUntil == nil ? lease.spec.bidExpiresAt?.date : nil
        durationEndsAt = startedAt?.addingTimeInterval(TimeInterval(lease.spec.durationSeconds))
        graceEndsAt = paidUntil?.addingTimeInterval(TimeInterval(lease.spec.graceSeconds))
    }
}

extension ComputeLease {
    public var timeline: LeaseTimeline { LeaseTimeline(self) }
}
