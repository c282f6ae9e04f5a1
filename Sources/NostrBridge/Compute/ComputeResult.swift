/// A provider's kind 6900 about one request: its bid, then the lease's progress on the wire.
///
/// bid → (payment-required, kind 7000) → provisioning → running (endpoints) → renewal-due →
/// running … → completed | terminated, each with the fields its status needs.
public struct ComputeResult: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case bid
        case provisioning
        case running
        case renewalDue = "renewal-due"
        case completed
        case terminated
    }

    public var context: ComputeReplyContext
    public var status: Status
    /// A human sentence for the tenant, e.g. why a lease was terminated.
    public var message: String?
    /// Set for `bid`.
    public var bid: ComputeBid?
    /// For `running`: where to connect, in the order of the requested ports.
    public var endpoints: [ComputeEndpoint]
    /// Unix seconds up to which the lease is paid (`provisioning`, `running`, `renewal-due`).
    public var paidUntil: Int64?
    /// Millisatoshis asked for now: the first tranche for `bid`, the next one for `renewal-due`.
    public var amountMsats: Int64?
    /// Set for `completed` and `terminated`.
    public var reason: ComputeEndReason?
    public var exitCode: Int?
    public var refund: ComputeRefund?

    public init(
        context: ComputeReplyContext, status: Status, message: String? = nil, bid: ComputeBid? = nil, endpoints: [ComputeEndpoint] = [],
        paidUntil: Int64? = nil, amountMsats: Int64? = nil, reason: ComputeEndReason? = nil, exitCode: Int? = nil, refund: ComputeRefund? = nil
    ) {
        self.context = context
        self.status = status
        self.message = message
        self.bid = bid
        self.endpoints = endpoints
        self.paidUntil = paidUntil
        self.amountMsats = amountMsats
        self.reason = reason
        self.exitCode = exitCode
        self.refund = refund
    }

    public static func bid(_ context: ComputeReplyContext, _ bid: ComputeBid, message: String? = nil) -> ComputeResult {
        ComputeResult(context: context, status: .bid, message: message, bid: bid, amountMsats: bid.pricePerIntervalMsats)
    }

    public static func provisioning(_ context: ComputeReplyContext, paidUntil: Int64?, message: String? = nil) -> ComputeResult {
        ComputeResult(context: context, status: .provisioning, message: message, paidUntil: paidUntil)
    }

    public static func running(_ context: ComputeReplyContext, endpoints: [ComputeEndpoint], paidUntil: Int64, message: String? = nil) -> ComputeResult {
        ComputeResult(context: context, status: .running, message: message, endpoints: endpoints, paidUntil: paidUntil)
    }

    public static func renewalDue(_ context: ComputeReplyContext, paidUntil: Int64, amountMsats: Int64, message: String? = nil) -> ComputeResult {
        ComputeResult(context: context, status: .renewalDue, message: message, paidUntil: paidUntil, amountMsats: amountMsats)
    }

    /// The final event: `completed` for the agreed endings (exited, duration-ended), `terminated` otherwise.
    public static func ended(
        _ context: ComputeReplyContext, reason: ComputeEndReason, exitCode: Int? = nil, refund: ComputeRefund? = nil, message: String? = nil
    ) -> ComputeResult {
        ComputeResult(context: context, status: reason.isCompletion ? .completed : .terminated, message: message, reason: reason,
                      exitCode: exitCode, refund: refund)
    }
}

/// Money returned with the final event: `["refund", msats, cashu token?]`. The token is sealed in
/// an encrypted event, or P2PK-locked to the tenant's key in a plain one (it is a bearer token).
public struct ComputeRefund: Sendable, Hashable {
    public var msats: Int64
    public var cashuToken: String?

    public init(msats: Int64, cashuToken: String? = nil) {
        self.msats = msats
        self.cashuToken = cashuToken
    }
}

extension ComputeRefund: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The token is money: it stays out of logs.
    public var description: String { "ComputeRefund(msats: \(msats), cashuToken: \(cashuToken == nil ? "nil" : "<redacted>"))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["msats": msats], displayStyle: .struct) }
}
