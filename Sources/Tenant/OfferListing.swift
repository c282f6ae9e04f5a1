import NostrBridge

/// A provider's live offer (kind 31900), the newest per provider and `d`.
public struct OfferListing: Sendable, Hashable {
    public var provider: String
    public var eventID: String
    public var createdAt: Int64
    public var offer: ComputeOffer

    /// Parses what the relays returned: keeps the newest event per (author, d), drops expired
    /// ones and ones that do not parse (an offer that cannot be read cannot be checked).
    public static func current(_ events: [NostrEvent], now: Int64) -> [OfferListing] {
        var newest: [String: OfferListing] = [:]
        for event in events where event.kind == ComputeKinds.offer && !event.isExpired(at: now) {
            guard let offer = try? ComputeOffer.parse(event) else { continue }
            let key = "\(event.pubkey):\(offer.identifier)"
            if let seen = newest[key], seen.createdAt >= event.createdAt { continue }
            newest[key] = OfferListing(provider: event.pubkey, eventID: event.id, createdAt: event.createdAt, offer: offer)
        }
        return newest.values.sorted { ($0.provider, $0.offer.identifier) < ($1.provider, $1.offer.identifier) }
    }

    /// Why the offer cannot serve `resources` of workload `category`, or nil when it can (free
    /// capacity, GPU model and count, the provider's GPU limit, its workload categories).
    public func mismatch(_ resources: ComputeResources, category: String? = nil) -> String? {
        if !ComputeCategory.admits(offered: offer.categories, requested: category) {
            return "takes only \(offer.categories.joined(separator: ", ")) workloads (--category)"
        }
        let capacity = offer.capacity
        if let model = resources.gpuModel, resources.gpus > 0 {
            guard let gpu = capacity.gpus.first(where: { $0.model == model }), offer.prices.msatsPerGpuHour[model] != nil else {
                return "no \(model) GPUs"
            }
            if gpu.free < resources.gpus { return "\(gpu.free) \(model) free, \(resources.gpus) needed" }
            if let max = offer.maxGPUsPerLease, max < resources.gpus { return "at most \(max) GPUs per lease" }
        }
        if capacity.cpuMillicoresFree < resources.cpuMillicores { return "\(capacity.cpuMillicoresFree)m CPU free" }
        if capacity.memoryBytesFree < resources.memoryBytes { return "\(capacity.memoryBytesFree) bytes of memory free" }
        return nil
    }

    /// What an hour of `resources` costs at this offer's prices (its default disk included),
    /// before rounding to whole sats per interval; nil when a resource is not priced here.
    public func msatsPerHour(_ resources: ComputeResources) -> Int64? {
        var priced = resources
        if priced.diskBytes == nil { priced.diskBytes = offer.defaultDiskBytes }
        guard let lines = offer.prices.costs(for: priced, intervalSeconds: 3_600) else { return nil }
        return lines.reduce(0) { $0 + $1.msatsPerInterval }
    }
}
