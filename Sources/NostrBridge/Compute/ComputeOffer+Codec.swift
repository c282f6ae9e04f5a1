extension ComputeOffer {
    /// The unsigned kind 31900. Tags come out in a fixed order (GPU models and labels sorted), so
    /// an unchanged offer serializes the same and a publisher can skip republishing it.
    public func eventBuilder() -> EventBuilder {
        var tags: [[String]] = [[ComputeTag.identifier, identifier], [ComputeTag.kind, String(ComputeKinds.request)]]
        if let region { tags.append([ComputeTag.region, region]) }
        tags.append([ComputeTag.capacity, ComputeCost.cpu, String(capacity.cpuMillicoresFree), String(capacity.cpuMillicoresTotal)])
        tags.append([ComputeTag.capacity, ComputeCost.memory, String(capacity.memoryBytesFree), String(capacity.memoryBytesTotal)])
        for gpu in capacity.gpus.sorted(by: { $0.model < $1.model }) {
            tags.append([ComputeTag.capacity, ComputeCost.gpu, String(gpu.free), String(gpu.total), gpu.model])
        }
        if let disk = capacity.disk { tags.append([ComputeTag.capacity, ComputeCost.disk, String(disk.freeBytes), String(disk.totalBytes)]) }
        tags.append([ComputeTag.price, ComputeCost.cpu, String(prices.msatsPerCpuHour)])
        tags.append([ComputeTag.price, ComputeCost.memory, String(prices.msatsPerGiBHour)])
        for (model, msats) in prices.msatsPerGpuHour.sorted(by: { $0.key < $1.key }) {
            tags.append([ComputeTag.price, ComputeCost.gpu, String(msats), model])
        }
        tags.append([ComputeTag.price, ComputeCost.disk, String(prices.msatsPerDiskGiBHour)])
        tags.append([ComputeTag.interval, String(intervalSeconds)])
        tags.append([ComputeTag.grace, String(graceSeconds)])
        tags += rails.map { [ComputeTag.rail, $0.rawValue] }
        if let cashu { tags += cashu.tags }
        if let maxDurationSeconds { tags.append([ComputeTag.maxDuration, String(maxDurationSeconds)]) }
        if let maxGPUsPerLease { tags.append([ComputeTag.maxGPUs, String(maxGPUsPerLease)]) }
        if let defaultDiskBytes { tags.append([ComputeTag.defaultDisk, String(defaultDiskBytes)]) }
        if let maxDiskBytes { tags.append([ComputeTag.maxDisk, String(maxDiskBytes)]) }
        tags += allowedRegistries.map { [ComputeTag.registry, $0] }
        tags += categories.map { [ComputeTag.category, $0] }
        if let portRange { tags.append([ComputeTag.ports, String(portRange.lowerBound), String(portRange.upperBound)]) }
        tags += labels.sorted(by: { $0.key < $1.key }).map { [ComputeTag.label, $0.key, $0.value] }
        if let invoiceLeadSeconds { tags.append([ComputeTag.lead, String(invoiceLeadSeconds)]) }
        if let bidLifetimeSeconds { tags.append([ComputeTag.bidLifetime, String(bidLifetimeSeconds)]) }
        if !relays.isEmpty { tags.append([ComputeTag.relays] + relays) }
        if let replyRelays { tags.append([ComputeTag.replyRelays, String(replyRelays)]) }
        if let refunds { tags.append([ComputeTag.refunds, refunds]) }
        if let escrow { tags += escrow.tags }
        if let minProofOfWork, minProofOfWork > 0 { tags.append([ComputeTag.proofOfWork, String(minProofOfWork)]) }
        if let expiration { tags.append([ComputeTag.expiration, String(expiration)]) }
        return EventBuilder(kind: ComputeKinds.offer, content: about, tags: tags)
    }

    public func sign(with key: SecretKey, createdAt: Int64? = nil) throws(ComputeEventError) -> NostrEvent {
        var builder = eventBuilder()
        builder.createdAt = createdAt
        do { return try builder.sign(with: key) } catch { throw .signing(error) }
    }

    /// Reads a kind 31900, as a tenant's client does before choosing a provider.
    public static func parse(_ event: NostrEvent) throws(ComputeEventError) -> ComputeOffer {
        guard event.kind == ComputeKinds.offer else { throw .wrongKind(event.kind, expected: ComputeKinds.offer) }
        let reader = ComputeTagReader(tags: event.tags, kind: event.kind)
        guard let identifier = reader.value(ComputeTag.identifier) else { throw .missingTag(ComputeTag.identifier, in: event.kind) }
        let capacity = try readCapacity(reader)
        let prices = try readPrices(reader)
        var rails: [ComputeRail] = []
        for tag in reader.all(ComputeTag.rail) {
            // An unknown rail is a newer provider's; the known ones still apply.
            if let rail = ComputeRail(rawValue: tag[1]), !rails.contains(rail) { rails.append(rail) }
        }
        guard !rails.isEmpty else { throw .missingTag(ComputeTag.rail, in: event.kind) }
        let cashu = try ComputeCashuTerms(reader: reader)
        if rails.contains(.cashu), cashu == nil { throw .missingTag(ComputeTag.mint, in: event.kind) }
        var portRange: ClosedRange<Int>?
        if let ports = reader.first(ComputeTag.ports) {
            guard ports.count >= 3, let low = ComputeTagValues.int(ports[1]), let high = ComputeTagValues.int(ports[2]), low <= high else {
                throw .invalidTag(ComputeTag.ports, "expected [\"ports\", min, max] with min <= max")
            }
            portRange = low...high
        }
        var labels: [String: String] = [:]
        for tag in reader.all(ComputeTag.label) where tag.count >= 3 { labels[tag[1]] = tag[2] }
        return ComputeOffer(
            identifier: identifier, region: reader.value(ComputeTag.region), capacity: capacity, prices: prices,
            intervalSeconds: Int(try reader.integer(ComputeTag.interval)), graceSeconds: Int(try reader.integer(ComputeTag.grace)),
            rails: rails, cashu: cashu, maxDurationSeconds: try reader.optionalInteger(ComputeTag.maxDuration).map { Int($0) },
            maxGPUsPerLease: try reader.optionalInteger(ComputeTag.maxGPUs).map { Int($0) },
            allowedRegistries: reader.all(ComputeTag.registry).map { $0[1] },
            categories: reader.all(ComputeTag.category).map { $0[1] }.filter(ComputeCategory.isValid), portRange: portRange, labels: labels,
            invoiceLeadSeconds: try reader.optionalInteger(ComputeTag.lead).map { Int($0) },
            bidLifetimeSeconds: try reader.optionalInteger(ComputeTag.bidLifetime).map { Int($0) },
            relays: Array(reader.first(ComputeTag.relays)?.dropFirst() ?? []),
            replyRelays: try reader.optionalInteger(ComputeTag.replyRelays).map { Int($0) },
            refunds: reader.value(ComputeTag.refunds),
            minProofOfWork: try reader.optionalInteger(ComputeTag.proofOfWork).map { Int($0) },
            defaultDiskBytes: try reader.optionalInteger(ComputeTag.defaultDisk),
            maxDiskBytes: try reader.optionalInteger(ComputeTag.maxDisk),
            expiration: event.expiration, about: event.content, escrow: try ComputeEscrowTerms(reader: reader))
    }

    private static func readCapacity(_ reader: ComputeTagReader) throws(ComputeEventError) -> ComputeCapacity {
        var cpu: (Int64, Int64)?
        var memory: (Int64, Int64)?
        var gpus: [ComputeGPUCapacity] = []
        var disk: ComputeDiskCapacity?
        for tag in reader.all(ComputeTag.capacity) {
            guard tag.count >= 4, let free = ComputeTagValues.integer(tag[2]), let total = ComputeTagValues.integer(tag[3]) else {
                throw .invalidTag(ComputeTag.capacity, "expected [\"capacity\", resource, free, total(, model)] with whole numbers")
            }
            switch tag[1] {
            case ComputeCost.cpu: cpu = (free, total)
            case ComputeCost.memory: memory = (free, total)
            case ComputeCost.gpu:
                guard tag.count >= 5, !tag[4].isEmpty, let free = Int(exactly: free), let total = Int(exactly: total) else {
                    throw .invalidTag(ComputeTag.capacity, "a gpu capacity names its model: [\"capacity\", \"gpu\", free, total, model]")
                }
                gpus.append(ComputeGPUCapacity(model: tag[4], free: free, total: total))
            case ComputeCost.disk: disk = ComputeDiskCapacity(freeBytes: free, totalBytes: total)
            default: break
            }
        }
        guard let cpu, let memory else { throw .missingTag(ComputeTag.capacity, in: reader.kind) }
        return ComputeCapacity(cpuMillicoresFree: cpu.0, cpuMillicoresTotal: cpu.1, memoryBytesFree: memory.0, memoryBytesTotal: memory.1, gpus: gpus,
                               disk: disk)
    }

    private static func readPrices(_ reader: ComputeTagReader) throws(ComputeEventError) -> ComputePrices {
        var cpu: Int64?
        var memory: Int64?
        var gpus: [String: Int64] = [:]
        var disk: Int64 = 0
        for tag in reader.all(ComputeTag.price) {
            guard tag.count >= 3, let msats = ComputeTagValues.integer(tag[2]) else {
                throw .invalidTag(ComputeTag.price, "expected [\"price\", resource, msats per hour(, model)]")
            }
            switch tag[1] {
            case ComputeCost.cpu: cpu = msats
            case ComputeCost.memory: memory = msats
            case ComputeCost.gpu:
                guard tag.count >= 4, !tag[3].isEmpty else { throw .invalidTag(ComputeTag.price, "a gpu price names its model") }
                gpus[tag[3]] = msats
            case ComputeCost.disk: disk = msats
            default: break
            }
        }
        guard let cpu, let memory else { throw .missingTag(ComputeTag.price, in: reader.kind) }
        return ComputePrices(msatsPerCpuHour: cpu, msatsPerGiBHour: memory, msatsPerGpuHour: gpus, msatsPerDiskGiBHour: disk)
    }
}
