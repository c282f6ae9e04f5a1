/// Who writes which field of a lease's status. Each owner server-side applies only its own part,
/// under its own field manager, so no writer can overwrite another's field and a write by one never
/// conflicts with a write by another: billing keeps the money, the reconciler the workload's life,
/// the market the tenant's requests.
public enum LeaseStatusOwner: String, Sendable, CaseIterable {
    /// The ledger, `paidUntil` and the Paid condition (whose transition starts the duration).
    case billing
    /// Phase, node, namespace, endpoints, message, how it ended, the image scan, and the Scheduled and Ready conditions.
    case reconciler
    /// The CancelRequested condition: a tenant's cancellation is a request the reconciler acts on.
    case market

    /// The server-side apply field manager of this owner's status writes.
    public var fieldManager: String { "ncn-operator-\(rawValue)" }

    /// The condition types this owner writes.
    public var conditionTypes: Set<ConditionType> {
        switch self {
        case .billing: return [.paid]
        case .reconciler: return [.scheduled, .ready]
        case .market: return [.cancelRequested]
        }
    }

    /// Who owns a condition type; the reconciler for any type no one here claims.
    public static func owner(of type: ConditionType) -> LeaseStatusOwner {
        allCases.first { $0.conditionTypes.contains(type) } ?? .reconciler
    }

    /// This owner's fields of `status` and nothing else: what it applies. A field of another owner
    /// set in `status` is dropped here, so ownership holds whatever an edit touched.
    public func part(of status: ComputeLeaseStatus) -> ComputeLeaseStatus {
        var part = ComputeLeaseStatus()
        let conditions = (status.conditions ?? []).filter { Self.owner(of: $0.type) == self }
        part.conditions = conditions.isEmpty ? nil : conditions
        switch self {
        case .billing:
            part.paidUntil = status.paidUntil
            part.ledger = status.ledger
        case .reconciler:
            part.phase = status.phase
            part.setEndpoints(status.endpoints)
            part.node = status.node
            part.namespace = status.namespace
            part.observedGeneration = status.observedGeneration
            part.message = status.message
            part.terminationReason = status.terminationReason
            part.exitCode = status.exitCode
            part.imageScan = status.imageScan
        case .market:
            break
        }
        return part
    }
}
