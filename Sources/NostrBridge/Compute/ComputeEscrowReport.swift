/// A kind 7900 that takes an escrowed tranche to its arbitrator (§7.7): the tenant's dispute
/// (`escrow-dispute`) or the provider's claim when the tenant neither released nor disputed
/// (`escrow-unreleased`). It carries the tranche's proof secrets, which spend nothing alone,
/// so that the arbitrator can sign them, and the events it offers as evidence.
public struct ComputeEscrowReport: Sendable, Equatable {
    public enum Category: String, Sendable, CaseIterable {
        case dispute = "escrow-dispute"
        case unreleased = "escrow-unreleased"
    }

    public var category: Category
    public var text: String
    public var requestID: String
    public var tranche: Int
    /// The other side of the lease (hex): the provider in a dispute, the tenant in a claim.
    public var counterparty: String
    /// The arbitrator the request named (hex); marked `arbitrator` on its `p` tag.
    public var arbitrator: String
    public var mint: String
    /// The secrets of the tranche's proofs.
    public var secrets: [String]
    /// Event ids offered as evidence.
    public var evidence: [String]

    /// Bounds a stranger's report to what one tranche can hold.
    public static let maximumSecrets = 64
    public static let maximumEvidence = 64

    public init(category: Category, text: String, requestID: String, tranche: Int, counterparty: String, arbitrator: String,
                mint: String, secrets: [String], evidence: [String] = []) {
        self.category = category
        self.text = text
        self.requestID = requestID
        self.tranche = tranche
        self.counterparty = counterparty
        self.arbitrator = arbitrator
        self.mint = mint
        self.secrets = secrets
        self.evidence = evidence
    }

    public func eventBuilder() -> EventBuilder {
        var tags: [[String]] = [[ComputeTag.event, requestID], [ComputeTag.pubkey, counterparty], [ComputeTag.pubkey, arbitrator, "", ComputeTag.arbitrator],
                                [ComputeTag.report, category.rawValue, String(text.prefix(1000))], [ComputeTag.tranche, String(tranche)],
                                [ComputeTag.mint, mint]]
        tags += secrets.map { [ComputeTag.proof, $0] }
        tags += evidence.map { [ComputeTag.event, $0, "", "evidence"] }
        return EventBuilder(kind: ComputeKinds.tenantFeedback, content: text, tags: tags)
    }

    public func sign(with key: SecretKey, createdAt: Int64? = nil) throws(ComputeEventError) -> NostrEvent {
        var builder = eventBuilder()
        builder.createdAt = createdAt
        do { return try builder.sign(with: key) } catch { throw .signing(error) }
    }

    /// nil for a 7900 that is not an escrow report (a rating, an abuse report).
    public static func parse(_ event: NostrEvent) throws(ComputeEventError) -> ComputeEscrowReport? {
        guard event.kind == ComputeKinds.tenantFeedback else { throw .wrongKind(event.kind, expected: ComputeKinds.tenantFeedback) }
        guard let report = event.tags.first(where: { $0.count >= 2 && $0[0] == ComputeTag.report && Category(rawValue: $0[1]) != nil }),
              let category = Category(rawValue: report[1]) else { return nil }
        let plainEvents = event.tags.filter { $0.count >= 2 && $0[0] == ComputeTag.event && ($0.count < 4 || $0[3] != "evidence") }
        guard let requestID = plainEvents.first?[1] else { throw .missingTag(ComputeTag.event, in: event.kind) }
        let people = event.tags.filter { $0.count >= 2 && $0[0] == ComputeTag.pubkey }
        guard let arbitrator = people.first(where: { $0.count >= 4 && $0[3] == ComputeTag.arbitrator })?[1] else {
            throw .invalidTag(ComputeTag.pubkey, "an escrow report names its arbitrator as [\"p\", <pubkey>, \"\", \"arbitrator\"]")
        }
        guard let counterparty = people.first(where: { $0.count < 4 || $0[3] != ComputeTag.arbitrator })?[1] else {
            throw .missingTag(ComputeTag.pubkey, in: event.kind)
        }
        guard let trancheText = event.firstTagValue(ComputeTag.tranche), let tranche = ComputeTagValues.int(trancheText), tranche >= 0 else {
            throw .invalidTag(ComputeTag.tranche, "expected [\"tranche\", n] with a whole number")
        }
        guard let mint = event.firstTagValue(ComputeTag.mint) else { throw .missingTag(ComputeTag.mint, in: event.kind) }
        let secrets = event.tagValues(ComputeTag.proof)
        guard !secrets.isEmpty, secrets.count <= maximumSecrets else {
            throw .invalidTag(ComputeTag.proof, "an escrow report carries 1 to \(maximumSecrets) [\"proof\", <secret>] tags")
        }
        let evidence = event.tags.filter { $0.count >= 4 && $0[0] == ComputeTag.event && $0[3] == "evidence" }.map { $0[1] }
        guard evidence.count <= maximumEvidence else { throw .invalidTag(ComputeTag.event, "more than \(maximumEvidence) evidence events") }
        return ComputeEscrowReport(category: category, text: report.count >= 3 ? report[2] : event.content, requestID: requestID, tranche: tranche,
                                   counterparty: counterparty, arbitrator: arbitrator, mint: mint, secrets: secrets, evidence: evidence)
    }
}
