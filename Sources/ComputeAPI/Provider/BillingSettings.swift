/// How payments stream: one tranche per interval, invoiced ahead, with a grace period.
public struct BillingSettings: Codable, Sendable, Equatable {
    public var intervalSeconds: Int
    public var graceSeconds: Int
    public var invoiceLeadSeconds: Int

    public init(
        intervalSeconds: Int = ComputeDefaults.intervalSeconds, graceSeconds: Int = ComputeDefaults.graceSeconds,
        invoiceLeadSeconds: Int = ComputeDefaults.invoiceLeadSeconds
    ) {
        self.intervalSeconds = intervalSeconds
        self.graceSeconds = graceSeconds
        self.invoiceLeadSeconds = invoiceLeadSeconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        intervalSeconds = try container.decodeIfPresent(Int.self, forKey: .intervalSeconds) ?? ComputeDefaults.intervalSeconds
        graceSeconds = try container.decodeIfPresent(Int.self, forKey: .graceSeconds) ?? ComputeDefaults.graceSeconds
        invoiceLeadSeconds = try container.decodeIfPresent(Int.self, forKey: .invoiceLeadSeconds) ?? ComputeDefaults.invoiceLeadSeconds
    }

    static let schema = Schema.object("How payments stream: one tranche per interval, requested ahead of time, with a grace period.", [
        .optional("intervalSeconds", .integer("Length of one billing interval (one payment tranche), in seconds. "
            + "Short intervals bound what either side can lose.")
            .range(ComputeLimits.intervalSeconds).defaulting(.integer(Int64(ComputeDefaults.intervalSeconds)))),
        .optional("graceSeconds", .integer("How long past paidUntil a workload keeps running while the next payment is on its way.")
            .range(ComputeLimits.graceSeconds).defaulting(.integer(Int64(ComputeDefaults.graceSeconds)))),
        .optional("invoiceLeadSeconds", .integer("How long before paidUntil the next invoice or Cashu payment request is sent.")
            .range(ComputeLimits.invoiceLeadSeconds).defaulting(.integer(Int64(ComputeDefaults.invoiceLeadSeconds)))),
    ])
}
