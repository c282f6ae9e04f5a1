/// The terms a provider offers for one request, in a 6900 with status `bid`.
///
/// Prices are per billing interval: every `intervalSeconds` the tenant pays `pricePerIntervalMsats`
/// ahead, for `ceil(duration / interval)` tranches at most.
public struct ComputeBid: Sendable, Hashable {
    public var pricePerIntervalMsats: Int64
    public var intervalSeconds: Int
    /// How long past the paid time the workload keeps running while a payment is on its way.
    public var graceSeconds: Int
    /// The duration bid on (the requested one).
    public var durationSeconds: Int
    /// What makes up the price, per interval: `["cost", resource, msats]`. The items sum to the price.
    public var costs: [ComputeCost]
    /// After this (unix seconds) the bid lapses unpaid; it is also the bid event's NIP-40 expiration.
    public var expiresAt: Int64
    /// The rail the tenant pays this lease on.
    public var rail: ComputeRail
    /// The escrow the bid accepts (§7.7): the arbitrator (hex) and the dispute window, echoed as
    /// `["escrow", arbitrator, window, fee-ppm]`. A tenant that asked for escrow pays only a bid carrying it.
    public var escrowArbitrator: String?
    public var escrowWindowSeconds: Int?

    public init(
        pricePerIntervalMsats: Int64, intervalSeconds: Int, graceSeconds: Int, durationSeconds: Int, costs: [ComputeCost] = [],
        expiresAt: Int64, rail: ComputeRail, escrowArbitrator: String? = nil, escrowWindowSeconds: Int? = nil
    ) {
        self.escrowArbitrator = escrowArbitrator
        self.escrowWindowSeconds = escrowWindowSeconds
        self.pricePerIntervalMsats = pricePerIntervalMsats
        self.intervalSeconds = intervalSeconds
        self.graceSeconds = graceSeconds
        self.durationSeconds = durationSeconds
        self.costs = costs
        self.expiresAt = expiresAt
        self.rail = rail
    }

    /// How many tranches the whole duration takes.
    public var tranches: Int {
        intervalSeconds > 0 ? (durationSeconds + intervalSeconds - 1) / intervalSeconds : 0
    }

    /// What the whole duration costs, compared against the tenant's bid; nil on overflow.
    public var totalMsats: Int64? {
        let (total, overflow) = pricePerIntervalMsats.multipliedReportingOverflow(by: Int64(tranches))
        return overflow ? nil : total
    }
}

/// One line of a bid's price: `["cost", "cpu" | "memory" | "gpu" | "disk", msats per interval]`.
public struct ComputeCost: Sendable, Hashable {
    public var resource: String
    public var msatsPerInterval: Int64

    public init(resource: String, msatsPerInterval: Int64) {
        self.resource = resource
        self.msatsPerInterval = msatsPerInterval
    }

    public static let cpu = "cpu"
    public static let memory = "memory"
    public static let gpu = "gpu"
    /// Local disk (ephemeral-storage), priced per GiB like memory.
    public static let disk = "disk"
}
