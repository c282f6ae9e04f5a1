/// How much unpaid work and state a stranger can cause: every request costs the provider a
/// signature check and maybe a lease, a Secret, an invoice and capacity held for the bid's life.
public struct IntakeSettings: Codable, Sendable, Equatable {
    /// NIP-13 leading zero bits a request's id must have, with a nonce tag committing to at least
    /// as many; announced in the offer. 0 asks for none.
    public var minProofOfWork: Int
    /// Requests older than this (by created_at) are ignored, as are those dated more than a
    /// minute ahead: an old request replayed from a relay gets no bid.
    public var maxRequestAgeSeconds: Int
    /// Requests one tenant key may make per minute; more are ignored unanswered.
    public var requestsPerMinutePerTenant: Int
    /// Bids one tenant key may hold unpaid at once.
    public var maxUnpaidBidsPerTenant: Int
    /// Bids all tenants together may hold unpaid at once. When they are all taken, a request with
    /// more proof of work than the weakest unpaid bid takes its place (that bid is withdrawn);
    /// others are refused as busy. Bounds the leases, Secrets, invoices and reservations spam makes.
    public var maxUnpaidBids: Int
    /// Error answers (refusals) sent per second at most, so a flood of bad requests cannot make
    /// the provider flood its relays and be rate-limited or banned there.
    public var errorRepliesPerSecond: Int

    public init(
        minProofOfWork: Int = 0, maxRequestAgeSeconds: Int = ComputeDefaults.maxRequestAgeSeconds,
        requestsPerMinutePerTenant: Int = ComputeDefaults.requestsPerMinutePerTenant,
        maxUnpaidBidsPerTenant: Int = ComputeDefaults.maxUnpaidBidsPerTenant, maxUnpaidBids: Int = ComputeDefaults.maxUnpaidBids,
        errorRepliesPerSecond: Int = ComputeDefaults.errorRepliesPerSecond
    ) {
        self.minProofOfWork = minProofOfWork
        self.maxRequestAgeSeconds = maxRequestAgeSeconds
        self.requestsPerMinutePerTenant = requestsPerMinutePerTenant
        self.maxUnpaidBidsPerTenant = maxUnpaidBidsPerTenant
        self.maxUnpaidBids = maxUnpaidBids
        self.errorRepliesPerSecond = errorRepliesPerSecond
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = IntakeSettings()
        minProofOfWork = try container.decodeIfPresent(Int.self, forKey: .minProofOfWork) ?? defaults.minProofOfWork
        maxRequestAgeSeconds = try container.decodeIfPresent(Int.self, forKey: .maxRequestAgeSeconds) ?? defaults.maxRequestAgeSeconds
        requestsPerMinutePerTenant = try container.decodeIfPresent(Int.self, forKey: .requestsPerMinutePerTenant)
            ?? defaults.requestsPerMinutePerTenant
        maxUnpaidBidsPerTenant = try container.decodeIfPresent(Int.self, forKey: .maxUnpaidBidsPerTenant) ?? defaults.maxUnpaidBidsPerTenant
        maxUnpaidBids = try container.decodeIfPresent(Int.self, forKey: .maxUnpaidBids) ?? defaults.maxUnpaidBids
        errorRepliesPerSecond = try container.decodeIfPresent(Int.self, forKey: .errorRepliesPerSecond) ?? defaults.errorRepliesPerSecond
    }

    static let schema = Schema.object("Spam limits: what requests from strangers may cost before anyone pays.", [
        .optional("minProofOfWork", .integer("NIP-13 difficulty (leading zero bits of the id, committed in the nonce tag) a request "
            + "needs to be read at all; announced in the offer. 0: none.")
            .range(0...40).defaulting(.integer(0))),
        .optional("maxRequestAgeSeconds", .integer("Requests older than this are ignored.")
            .range(10...86_400).defaulting(.integer(Int64(ComputeDefaults.maxRequestAgeSeconds)))),
        .optional("requestsPerMinutePerTenant", .integer("Requests one tenant key may make per minute; more are ignored.")
            .range(1...10_000).defaulting(.integer(Int64(ComputeDefaults.requestsPerMinutePerTenant)))),
        .optional("maxUnpaidBidsPerTenant", .integer("Bids one tenant key may hold unpaid at once.")
            .range(1...1_000).defaulting(.integer(Int64(ComputeDefaults.maxUnpaidBidsPerTenant)))),
        .optional("maxUnpaidBids", .integer("Bids all tenants may hold unpaid at once; when all are taken, a request with more "
            + "proof of work than the weakest unpaid bid replaces it, others are refused as busy.")
            .range(1...100_000).defaulting(.integer(Int64(ComputeDefaults.maxUnpaidBids)))),
        .optional("errorRepliesPerSecond", .integer("Refusals sent per second at most; beyond it bad requests go unanswered.")
            .range(0...1_000).defaulting(.integer(Int64(ComputeDefaults.errorRepliesPerSecond)))),
    ])
}
