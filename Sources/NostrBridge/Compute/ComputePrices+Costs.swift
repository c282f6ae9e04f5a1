import Foundation

extension ComputePrices {
    /// The draft's §7.1: what one interval of `resources` costs, each line rounded up to a whole
    /// millisatoshi. nil when a GPU model has no price here (it is not rented out) or a line
    /// overflows. Lines for resources not asked for (no GPUs, no disk amount) are left out; the
    /// price is their sum. A request naming no disk is priced by the provider at its offer's
    /// `default-disk`: pass that amount in `resources.diskBytes` to check a bid.
    public func costs(for resources: ComputeResources, intervalSeconds: Int) -> [ComputeCost]? {
        let interval = Decimal(intervalSeconds)
        var lines = [
            ComputeCost(resource: ComputeCost.cpu, msatsPerInterval: 0),
            ComputeCost(resource: ComputeCost.memory, msatsPerInterval: 0),
        ]
        // Decimal keeps 38 digits: msats/hour × bytes × seconds stays exact where Int64 would overflow.
        guard let cpu = Self.ceil(Decimal(msatsPerCpuHour) * Decimal(resources.cpuMillicores) * interval / (1_000 * 3_600)),
              let memory = Self.ceil(Decimal(msatsPerGiBHour) * Decimal(resources.memoryBytes) * interval / (Decimal(1 << 30) * 3_600))
        else { return nil }
        lines[0].msatsPerInterval = cpu
        lines[1].msatsPerInterval = memory
        if resources.gpus > 0 {
            guard let model = resources.gpuModel, let hourly = msatsPerGpuHour[model],
                  let gpu = Self.ceil(Decimal(hourly) * Decimal(resources.gpus) * interval / 3_600) else { return nil }
            lines.append(ComputeCost(resource: ComputeCost.gpu, msatsPerInterval: gpu))
        }
        if let bytes = resources.diskBytes, bytes > 0 {
            guard let disk = Self.ceil(Decimal(msatsPerDiskGiBHour) * Decimal(bytes) * interval / (Decimal(1 << 30) * 3_600)) else { return nil }
            lines.append(ComputeCost(resource: ComputeCost.disk, msatsPerInterval: disk))
        }
        return lines
    }

    private static func ceil(_ value: Decimal) -> Int64? {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, 0, .up)
        guard result >= 0, result <= Decimal(Int64.max) else { return nil }
        return NSDecimalNumber(decimal: result).int64Value
    }
}

extension ComputeOffer {
    /// What this provider will bid per interval for `resources`, as a client checks a bid: the
    /// offer's prices, with its `default-disk` standing in for a request that names no disk.
    public func costs(for resources: ComputeResources) -> [ComputeCost]? {
        var priced = resources
        if priced.diskBytes == nil, let defaultDiskBytes {
            priced.diskBytes = defaultDiskBytes
            priced.disk = String(defaultDiskBytes)
        }
        return prices.costs(for: priced, intervalSeconds: intervalSeconds)
    }
}

extension ComputeBid {
    /// A bid priced as the draft's §7.1 says: the sum of `costs` rounded up to a whole satoshi,
    /// at least one, because Lightning wallets invoice whole sats and Cashu mints mostly count in
    /// sats. nil if the sum overflows.
    public init?(costs: [ComputeCost], intervalSeconds: Int, graceSeconds: Int, durationSeconds: Int, expiresAt: Int64, rail: ComputeRail) {
        var sum: Int64 = 0
        for line in costs {
            let (next, overflow) = sum.addingReportingOverflow(line.msatsPerInterval)
            guard !overflow, next <= Int64.max - 999 else { return nil }
            sum = next
        }
        self.init(pricePerIntervalMsats: max(1_000, (sum + 999) / 1_000 * 1_000), intervalSeconds: intervalSeconds, graceSeconds: graceSeconds, durationSeconds: durationSeconds,
                  costs: costs, expiresAt: expiresAt, rail: rail)
    }
}
