/// A tenant's kind 7900 about a finished (or failing) lease: a rating, measured uptime,
/// performance attestations and abuse reports, which clients weigh by their web of trust.
public struct ComputeRating: Sendable, Hashable {
    /// The request the lease answered (`e`).
    public var requestID: String
    /// The provider rated (`p`).
    public var provider: String
    /// `["rating", "1"…"5"]`.
    public var rating: Int?
    /// `["uptime", "0.998"]`: the fraction of paid time the endpoints answered, 0 to 1.
    public var uptime: String?
    /// `["attest", metric, value, unit]`, e.g. ["attest", "gpu-model", "NVIDIA-H100-80GB-HBM3", ""].
    public var attestations: [[String]]
    /// `["report", category, text]`, e.g. ["report", "no-delivery", "endpoint never answered"].
    public var reports: [[String]]
    public var comment: String

    public init(requestID: String, provider: String, rating: Int? = nil, uptime: String? = nil, attestations: [[String]] = [],
                reports: [[String]] = [], comment: String = "") {
        self.requestID = requestID
        self.provider = provider
        self.rating = rating
        self.uptime = uptime
        self.attestations = attestations
        self.reports = reports
        self.comment = comment
    }

    public func eventBuilder() -> EventBuilder {
        var tags: [[String]] = [[ComputeTag.event, requestID], [ComputeTag.pubkey, provider]]
        if let rating { tags.append(["rating", String(rating)]) }
        if let uptime { tags.append(["uptime", uptime]) }
        tags += attestations.map { ["attest"] + $0 } + reports.map { ["report"] + $0 }
        return EventBuilder(kind: ComputeKinds.tenantFeedback, content: comment, tags: tags)
    }

    public static func parse(_ event: NostrEvent) throws(ComputeEventError) -> ComputeRating {
        guard event.kind == ComputeKinds.tenantFeedback else { throw .wrongKind(event.kind, expected: ComputeKinds.tenantFeedback) }
        guard let requestID = event.firstTagValue(ComputeTag.event) else { throw .missingTag(ComputeTag.event, in: event.kind) }
        guard let provider = event.firstTagValue(ComputeTag.pubkey) else { throw .missingTag(ComputeTag.pubkey, in: event.kind) }
        var rating: Int?
        if let text = event.firstTagValue("rating") {
            guard let value = ComputeTagValues.int(text), (1...5).contains(value) else { throw .invalidTag("rating", "expected a whole number from 1 to 5") }
            rating = value
        }
        var uptime: String?
        if let text = event.firstTagValue("uptime") {
            guard let value = Double(text), (0...1).contains(value) else { throw .invalidTag("uptime", "expected a fraction from 0 to 1") }
            uptime = text
        }
        return ComputeRating(
            requestID: requestID, provider: provider, rating: rating, uptime: uptime,
            attestations: event.tags(named: "attest").map { Array($0.dropFirst()) }, reports: event.tags(named: "report").map { Array($0.dropFirst()) },
            comment: event.content)
    }
}
