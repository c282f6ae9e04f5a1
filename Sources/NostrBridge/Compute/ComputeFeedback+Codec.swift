extension ComputeFeedback {
    /// The unsigned kind 7000. `key` is the provider's, needed when the request was encrypted.
    public func eventBuilder(key: SecretKey? = nil) throws(ComputeEventError) -> EventBuilder {
        var tags: [[String]] = [[ComputeTag.status, status.rawValue] + (message.map { [ComputeStatusText.publishable($0)] } ?? [])]
        if let amountMsats { tags.append([ComputeTag.amount, String(amountMsats)] + (bolt11.map { [$0] } ?? [])) }
        if let tranche { tags.append([ComputeTag.tranche, String(tranche)]) }
        if let cashu { tags += cashu.tags }
        if let errorCode { tags.append([ComputeTag.reason, errorCode.rawValue]) }
        if let paidUntil { tags.append([ComputeTag.paidUntil, String(paidUntil)]) }
        return try context.builder(kind: ComputeKinds.jobFeedback, tags: tags, key: key)
    }

    public func sign(with key: SecretKey, createdAt: Int64? = nil) throws(ComputeEventError) -> NostrEvent {
        var builder = try eventBuilder(key: key)
        builder.createdAt = createdAt
        do { return try builder.sign(with: key) } catch { throw .signing(error) }
    }

    /// Reads a kind 7000 about a compute request. `key` opens an encrypted one.
    public static func parse(_ event: NostrEvent, key: SecretKey? = nil) throws(ComputeEventError) -> ComputeFeedback {
        guard event.kind == ComputeKinds.jobFeedback else { throw .wrongKind(event.kind, expected: ComputeKinds.jobFeedback) }
        let (tags, encryption) = try ComputeReplyContext.readTags(event, key: key)
        let reader = ComputeTagReader(tags: tags, kind: event.kind)
        let context = try ComputeReplyContext.read(event, encryption: encryption)
        guard let statusTag = reader.first(ComputeTag.status) else { throw .missingTag(ComputeTag.status, in: event.kind) }
        guard let status = Status(rawValue: statusTag[1]) else {
            throw .invalidTag(ComputeTag.status, "\(ComputeTagValues.quoted(statusTag[1])) is not a NIP-90 feedback status")
        }
        var feedback = ComputeFeedback(context: context, status: status, message: statusTag.count >= 3 && !statusTag[2].isEmpty ? statusTag[2] : nil)
        if let amount = reader.first(ComputeTag.amount) {
            guard let msats = ComputeTagValues.integer(amount[1]) else { throw .invalidTag(ComputeTag.amount, "the amount is not a number of msats") }
            feedback.amountMsats = msats
            feedback.bolt11 = amount.count >= 3 && !amount[2].isEmpty ? amount[2] : nil
        }
        feedback.tranche = try reader.optionalInteger(ComputeTag.tranche).map { Int(truncatingIfNeeded: $0) }
        feedback.cashu = try ComputeCashuTerms(reader: reader)
        feedback.errorCode = reader.value(ComputeTag.reason).map(ComputeErrorCode.init(rawValue:))
        feedback.paidUntil = try reader.optionalInteger(ComputeTag.paidUntil)
        if status == .paymentRequired {
            guard feedback.amountMsats != nil else { throw .missingTag(ComputeTag.amount, in: event.kind) }
            guard feedback.bolt11 != nil || feedback.cashu != nil else {
                throw .invalidTag(ComputeTag.amount, "payment-required needs a bolt11 or Cashu terms (mint and p2pk tags)")
            }
        }
        return feedback
    }
}
