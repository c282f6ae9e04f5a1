import ComputeAPI
import NostrBridge

/// Whether a log request is served: only the tenant of a live lease reads its container's output.
/// Anyone else is not answered at all, so a stranger learns nothing, not even that the lease exists.
enum LogAuthorization {
    enum Decision: Equatable, Sendable {
        case serve(lease: String, namespace: String)
        /// Not answered.
        case ignore(String)
        /// Answered with one chunk that ends the answer.
        case refuse(ComputeLogChunk.End)
    }

    /// `lease` is the store's lease named after `request.requestID`, if any.
    static func decide(_ request: ComputeLogRequest, lease: ComputeLease?) -> Decision {
        guard let lease, let name = lease.metadata.name, lease.spec.requestEventId == request.requestID else {
            return .ignore("no lease answers this request")
        }
        guard lease.spec.tenantPubkey == request.tenant else { return .ignore("not the lease's tenant") }
        switch lease.status?.phase {
        case .some(let phase) where phase.isTerminal:
            return .refuse(.init(ComputeLogChunk.End.unavailable, "the lease has ended (\(phase.rawValue)); its container and its logs are gone"))
        case nil, .awaitingPayment:
            return .refuse(.init(ComputeLogChunk.End.unavailable, "the lease has not started: nothing runs until the first tranche is paid"))
        default:
            return .serve(lease: name, namespace: LeaseWorkloadBuilder.namespaceName(forLease: name))
        }
    }
}
