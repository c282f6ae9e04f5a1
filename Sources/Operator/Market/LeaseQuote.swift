import ComputeAPI
import Foundation
import NostrBridge

/// The price of one billing interval for a set of resources, from the provider's hourly prices,
/// with its breakdown so a bid can show the tenant what it pays for.
public struct LeaseQuote: Sendable, Equatable {
    public var cpuMsats: Int64
    public var memoryMsats: Int64
    public var gpuMsats: Int64
    /// Local disk (ephemeral-storage); 0 for a lease without a disk amount.
    public var diskMsats: Int64 = 0
    public var intervalSeconds: Int
    /// The sum, rounded up to whole satoshis: Lightning wallets (LNbits among them) invoice whole sats.
    public var totalMsats: Int64

    /// nil when the GPU model is not priced, i.e. not rented out; throws on quantities that do not parse.
    public static func quote(_ resources: LeaseResources, pricing: Pricing, intervalSeconds: Int) throws(LeaseQuoteError) -> LeaseQuote {
        guard let millicores = resources.cpu.milliValue, millicores > 0 else { throw .badQuantity("cpu", resources.cpu.text) }
        guard let bytes = resources.memory.value, bytes > 0 else { throw .badQuantity("memory", resources.memory.text) }
        var diskBytes: Int64?
        if let disk = resources.ephemeralStorage {
            guard let bytes = disk.value, bytes > 0 else { throw .badQuantity("disk", disk.text) }
            diskBytes = bytes
        }
        guard intervalSeconds > 0 else { throw .badInterval(intervalSeconds) }
        if resources.gpus > 0, resources.gpuModel.flatMap({ pricing.msatsPerGpuHour?[$0] }) == nil {
            throw .gpuModelNotOffered(resources.gpuModel)
        }
        // One formula for bids and offers: the NIP draft's §7.1, as the wire codec implements it.
        let prices = ComputePrices(msatsPerCpuHour: pricing.msatsPerCpuHour, msatsPerGiBHour: pricing.msatsPerGiBHour,
                                   msatsPerGpuHour: pricing.msatsPerGpuHour ?? [:], msatsPerDiskGiBHour: pricing.msatsPerDiskGiBHour)
        let wanted = ComputeResources(cpu: resources.cpu.text, memory: resources.memory.text, cpuMillicores: millicores,
                                      memoryBytes: bytes, gpus: resources.gpus, gpuModel: resources.gpuModel,
                                      disk: resources.ephemeralStorage?.text, diskBytes: diskBytes)
        guard let costs = prices.costs(for: wanted, intervalSeconds: intervalSeconds),
              let priced = ComputeBid(costs: costs, intervalSeconds: intervalSeconds, graceSeconds: 0, durationSeconds: intervalSeconds,
                                      expiresAt: 0, rail: .lightning)
        else { throw .overflow }
        func line(_ name: String) -> Int64 { costs.first { $0.resource == name }?.msatsPerInterval ?? 0 }
        return LeaseQuote(cpuMsats: line(ComputeCost.cpu), memoryMsats: line(ComputeCost.memory), gpuMsats: line(ComputeCost.gpu),
                          diskMsats: line(ComputeCost.disk), intervalSeconds: intervalSeconds, totalMsats: priced.pricePerIntervalMsats)
    }

    /// What the whole requested duration costs at this price, in whole intervals.
    public func msats(forDurationSeconds duration: Int) -> Int64 {
        let intervals = (Int64(duration) + Int64(intervalSeconds) - 1) / Int64(intervalSeconds)
        // Saturating: no bid reaches Int64.max, so an absurd price is refused as too high a price, never a trap.
        let (total, overflow) = intervals.multipliedReportingOverflow(by: totalMsats)
        return overflow ? .max : total
    }

}

/// Why a request cannot be priced; the message is what the tenant is told.
public struct LeaseQuoteError: Error, CustomStringConvertible, Equatable {
    private enum Code: Equatable {
        case badQuantity(String, String), badInterval(Int), gpuModelNotOffered(String?), overflow
    }
    private let code: Code

    static func badQuantity(_ resource: String, _ text: String) -> Self { .init(code: .badQuantity(resource, text)) }
    static func badInterval(_ seconds: Int) -> Self { .init(code: .badInterval(seconds)) }
    static func gpuModelNotOffered(_ model: String?) -> Self { .init(code: .gpuModelNotOffered(model)) }
    static let overflow = Self(code: .overflow)

    public var description: String {
        switch code {
        case let .badQuantity(resource, text): return "\(resource) '\(text)' is not a positive Kubernetes quantity"
        case let .badInterval(seconds): return "the billing interval \(seconds) s is not positive"
        case let .gpuModelNotOffered(model?): return "GPU model \(model) is not offered by this provider"
        case .gpuModelNotOffered(nil): return "a GPU request must name a GPU model this provider offers"
        case .overflow: return "the price of this request is too large to express in millisatoshis"
        }
    }
}
