/// A provider's NIP-90 kind 7000 about one request: what generic NIP-90 clients follow and pay.
public struct ComputeFeedback: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// Pay `amount` (bolt11, or Cashu on the terms given) before anything else happens.
        case paymentRequired = "payment-required"
        case processing
        /// The request is refused or the lease failed; the message says why.
        case error
        /// The lease ended as agreed.
        case success
        case partial
    }

    public var context: ComputeReplyContext
    public var status: Status
    /// The human text: `["status", status, message]`.
    public var message: String?
    /// For `payment-required`: millisatoshis due now.
    public var amountMsats: Int64?
    public var bolt11: String?
    /// For `payment-required` on the Cashu rail.
    public var cashu: ComputeCashuTerms?
    /// Which tranche a payment request is for; 0 is the first.
    public var tranche: Int?
    /// For `error`: a machine-readable code, `["reason", code]`.
    public var errorCode: ComputeErrorCode?
    /// For `processing`: the lease's paid-until after the payment, `["paid-until", ts]`.
    public var paidUntil: Int64?

    public init(
        context: ComputeReplyContext, status: Status, message: String? = nil, amountMsats: Int64? = nil, bolt11: String? = nil,
        cashu: ComputeCashuTerms? = nil, tranche: Int? = nil, errorCode: ComputeErrorCode? = nil, paidUntil: Int64? = nil
    ) {
        self.context = context
        self.status = status
        self.message = message
        self.amountMsats = amountMsats
        self.bolt11 = bolt11
        self.cashu = cashu
        self.tranche = tranche
        self.errorCode = errorCode
        self.paidUntil = paidUntil
    }

    /// A tranche is due. Give `bolt11` for Lightning, `cashu` for Cashu, or both to let the tenant choose.
    public static func paymentRequired(
        _ context: ComputeReplyContext, amountMsats: Int64, bolt11: String?, cashu: ComputeCashuTerms? = nil, tranche: Int,
        message: String? = nil
    ) -> ComputeFeedback {
        ComputeFeedback(context: context, status: .paymentRequired, message: message, amountMsats: amountMsats, bolt11: bolt11, cashu: cashu,
                        tranche: tranche)
    }

    /// A payment was credited; `paidUntil` is where it moved the lease's paid time.
    public static func processing(_ context: ComputeReplyContext, paidUntil: Int64? = nil, message: String? = nil) -> ComputeFeedback {
        ComputeFeedback(context: context, status: .processing, message: message, paidUntil: paidUntil)
    }

    /// `message` is the tenant-facing reason, e.g. a `ComputeRequestError`'s description.
    public static func error(_ context: ComputeReplyContext, message: String, code: ComputeErrorCode? = nil) -> ComputeFeedback {
        ComputeFeedback(context: context, status: .error, message: message, errorCode: code)
    }

    public static func success(_ context: ComputeReplyContext, message: String? = nil) -> ComputeFeedback {
        ComputeFeedback(context: context, status: .success, message: message)
    }

    /// The NIP-90 counterpart of a final 6900, for clients that only follow kind 7000: `success`
    /// for a completed lease, `error` with the same end reason for a terminated one.
    public static func ended(_ context: ComputeReplyContext, reason: ComputeEndReason, message: String? = nil) -> ComputeFeedback {
        if reason.isCompletion { return .success(context, message: message) }
        return .error(context, message: message ?? "The lease ended: \(reason.rawValue).", code: ComputeErrorCode(rawValue: reason.rawValue))
    }
}

/// Why a request got an `error`: `["reason", code]`. An open set of lower-case words.
public struct ComputeErrorCode: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    /// The request is malformed (a ComputeRequestError).
    public static let invalidRequest: ComputeErrorCode = "invalid-request"
    /// Well-formed, but outside this provider's policy: registry, GPU model, duration, ports, blocked tenant.
    public static let policy: ComputeErrorCode = "policy"
    /// Not enough free capacity right now.
    public static let noCapacity: ComputeErrorCode = "no-capacity"
    /// The price for the duration exceeds the bid.
    public static let bidTooLow: ComputeErrorCode = "bid-too-low"
    /// A payment could not be accepted (wrong mint, unit, lock, amount, already spent).
    public static let payment: ComputeErrorCode = "payment"
    /// The lease failed on the provider's side.
    public static let failed: ComputeErrorCode = "failed"
    /// Too many unpaid bids (the tenant's own, or everyone's): pay or cancel one, wait, or add proof of work.
    public static let busy: ComputeErrorCode = "busy"
}
