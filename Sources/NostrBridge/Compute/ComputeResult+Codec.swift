extension ComputeResult {
    /// The unsigned kind 6900. `key` is the provider's, needed when the request was encrypted.
    public func eventBuilder(key: SecretKey? = nil) throws(ComputeEventError) -> EventBuilder {
        var tags: [[String]] = [[ComputeTag.status, status.rawValue] + (message.map { [ComputeStatusText.publishable($0)] } ?? [])]
        var publicTags: [[String]] = []
        if let amountMsats { tags.append([ComputeTag.amount, String(amountMsats)]) }
        if let bid {
            tags.append([ComputeTag.price, String(bid.pricePerIntervalMsats)])
            tags.append([ComputeTag.interval, String(bid.intervalSeconds)])
            tags.append([ComputeTag.grace, String(bid.graceSeconds)])
            tags.append([ComputeTag.duration, String(bid.durationSeconds)])
            if let total = bid.totalMsats { tags.append([ComputeTag.total, String(total)]) }
            tags.append([ComputeTag.rail, bid.rail.rawValue])
            tags += bid.costs.map { [ComputeTag.cost, $0.resource, String($0.msatsPerInterval)] }
            if let arbitrator = bid.escrowArbitrator { tags.append([ComputeTag.escrow, arbitrator, String(bid.escrowWindowSeconds ?? 0), "0"]) }
            // Public even when encrypted: relays drop the lapsed bid.
            publicTags.append([ComputeTag.expiration, String(bid.expiresAt)])
        }
        tags += endpoints.map(\.tag)
        if let paidUntil { tags.append([ComputeTag.paidUntil, String(paidUntil)]) }
        if let reason { tags.append([ComputeTag.reason, reason.rawValue]) }
        if let exitCode { tags.append([ComputeTag.exitCode, String(exitCode)]) }
        if let refund { tags.append([ComputeTag.refund, String(refund.msats)] + (refund.cashuToken.map { [$0] } ?? [])) }
        return try context.builder(kind: ComputeKinds.result, tags: tags, publicTags: publicTags, key: key)
    }

    /// Signed with the provider's key (which also encrypts, if the request was encrypted).
    public func sign(with key: SecretKey, createdAt: Int64? = nil) throws(ComputeEventError) -> NostrEvent {
        var builder = try eventBuilder(key: key)
        builder.createdAt = createdAt
        do { return try builder.sign(with: key) } catch { throw .signing(error) }
    }

    /// Reads a kind 6900, as a tenant's client does. `key` is the tenant's (or the provider's),
    /// needed for an encrypted one.
    public static func parse(_ event: NostrEvent, key: SecretKey? = nil) throws(ComputeEventError) -> ComputeResult {
        guard event.kind == ComputeKinds.result else { throw .wrongKind(event.kind, expected: ComputeKinds.result) }
        let (tags, encryption) = try ComputeReplyContext.readTags(event, key: key)
        let reader = ComputeTagReader(tags: tags, kind: event.kind)
        let context = try ComputeReplyContext.read(event, encryption: encryption)
        guard let statusTag = reader.first(ComputeTag.status) else { throw .missingTag(ComputeTag.status, in: event.kind) }
        guard let status = Status(rawValue: statusTag[1]) else {
            throw .invalidTag(ComputeTag.status, "\(ComputeTagValues.quoted(statusTag[1])) is not a compute result status")
        }
        var result = ComputeResult(context: context, status: status, message: statusTag.count >= 3 && !statusTag[2].isEmpty ? statusTag[2] : nil)
        result.amountMsats = try reader.optionalInteger(ComputeTag.amount)
        result.paidUntil = try reader.optionalInteger(ComputeTag.paidUntil)
        result.endpoints = try reader.all(ComputeTag.endpoint).map { (tag) throws(ComputeEventError) in try ComputeEndpoint(tag: tag) }
        result.reason = reader.value(ComputeTag.reason).map(ComputeEndReason.init(rawValue:))
        result.exitCode = try reader.optionalInteger(ComputeTag.exitCode).map { Int(truncatingIfNeeded: $0) }
        if let refund = reader.first(ComputeTag.refund) {
            guard let msats = ComputeTagValues.integer(refund[1]) else { throw .invalidTag(ComputeTag.refund, "the amount is not a number of msats") }
            result.refund = ComputeRefund(msats: msats, cashuToken: refund.count >= 3 ? refund[2] : nil)
        }
        switch status {
        case .bid:
            guard let rail = reader.value(ComputeTag.rail).flatMap(ComputeRail.init(rawValue:)) else {
                throw .invalidTag(ComputeTag.rail, "a bid names its rail: lightning or cashu")
            }
            guard let expiresAt = event.expiration else { throw .missingTag(ComputeTag.expiration, in: event.kind) }
            let costs = try reader.all(ComputeTag.cost).map { (tag) throws(ComputeEventError) -> ComputeCost in
                guard tag.count >= 3, let msats = ComputeTagValues.integer(tag[2]) else {
                    throw .invalidTag(ComputeTag.cost, "expected [\"cost\", resource, msats per interval]")
                }
                return ComputeCost(resource: tag[1], msatsPerInterval: msats)
            }
            result.bid = ComputeBid(
                pricePerIntervalMsats: try reader.integer(ComputeTag.price), intervalSeconds: Int(try reader.integer(ComputeTag.interval)),
                graceSeconds: Int(try reader.integer(ComputeTag.grace)), durationSeconds: Int(try reader.integer(ComputeTag.duration)),
                costs: costs, expiresAt: expiresAt, rail: rail,
                escrowArbitrator: reader.first(ComputeTag.escrow).flatMap { $0.count >= 3 ? $0[1] : nil },
                escrowWindowSeconds: reader.first(ComputeTag.escrow).flatMap { $0.count >= 3 ? ComputeTagValues.int($0[2]) : nil })
        case .running, .renewalDue:
            guard result.paidUntil != nil else { throw .missingTag(ComputeTag.paidUntil, in: event.kind) }
            if status == .renewalDue, result.amountMsats == nil { throw .missingTag(ComputeTag.amount, in: event.kind) }
        case .completed, .terminated:
            guard result.reason != nil else { throw .missingTag(ComputeTag.reason, in: event.kind) }
        case .provisioning:
            break
        }
        return result
    }
}
