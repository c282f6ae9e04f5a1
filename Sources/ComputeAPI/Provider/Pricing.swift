/// What the provider charges, per hour of each resource; a bid prices one billing interval from these.
public struct Pricing: Codable, Sendable, Equatable {
    public var msatsPerCpuHour: Int64
    public var msatsPerGiBHour: Int64
    /// Keyed by GPU model, as the GPU node label names it; a model missing here is not rented out.
    public var msatsPerGpuHour: [String: Int64]?
    /// Per GiB of local disk (ephemeral-storage) per hour.
    public var msatsPerDiskGiBHour: Int64

    public init(
        msatsPerCpuHour: Int64, msatsPerGiBHour: Int64, msatsPerGpuHour: [String: Int64]? = nil,
        msatsPerDiskGiBHour: Int64 = ComputeDefaults.msatsPerDiskGiBHour
    ) {
        self.msatsPerCpuHour = msatsPerCpuHour
        self.msatsPerGiBHour = msatsPerGiBHour
        self.msatsPerGpuHour = msatsPerGpuHour
        self.msatsPerDiskGiBHour = msatsPerDiskGiBHour
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        msatsPerCpuHour = try container.decode(Int64.self, forKey: .msatsPerCpuHour)
        msatsPerGiBHour = try container.decode(Int64.self, forKey: .msatsPerGiBHour)
        msatsPerGpuHour = try container.decodeIfPresent([String: Int64].self, forKey: .msatsPerGpuHour)
        msatsPerDiskGiBHour = try container.decodeIfPresent(Int64.self, forKey: .msatsPerDiskGiBHour) ?? ComputeDefaults.msatsPerDiskGiBHour
    }

    static let schema = Schema.object("Prices per hour of each resource, in millisatoshis; bids price one billing interval from these.", [
        .required("msatsPerCpuHour", .integer("Millisatoshis per CPU core per hour.").range(ComputeLimits.msats)),
        .required("msatsPerGiBHour", .integer("Millisatoshis per GiB of memory per hour.").range(ComputeLimits.msats)),
        .optional("msatsPerGpuHour", .map(
            of: .integer("Millisatoshis per GPU of this model per hour.").range(ComputeLimits.msats),
            "Millisatoshis per GPU per hour, keyed by GPU model as the GPU node label names it "
                + "(e.g. NVIDIA-H100-80GB-HBM3). Models not listed are not rented out.")),
        .optional("msatsPerDiskGiBHour", .integer(
            "Millisatoshis per GiB of local disk (ephemeral-storage: writable layer, logs, scratch) per hour. Every lease has "
                + "disk (policy.ephemeralStoragePerLease unless the request asks for an amount), so every bid has a disk cost line.")
            .range(ComputeLimits.msats).defaulting(.integer(ComputeDefaults.msatsPerDiskGiBHour))),
    ])
}
