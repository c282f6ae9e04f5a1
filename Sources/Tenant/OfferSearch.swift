import NostrBridge

/// `ncn offers`: the live offers that fit a need, ranked by price and reputation.
public struct OfferSearch: Sendable {
    public struct Result: Sendable {
        public var ranked: [RankedOffer]
        /// Offers left out, with why.
        public var skipped: [(listing: OfferListing, why: String)]
    }

    public var resources: ComputeResources
    /// msats per hour of `resources`; nil for no ceiling.
    public var maxMsatsPerHour: Int64?
    /// The job's workload category; offers that list categories without it are skipped.
    public var category: String?
    /// An arbitrator the offer must list (escrow, draft §7.7).
    public var escrowArbitrator: String?
    public var weights = ReputationWeights()

    public init(resources: ComputeResources, maxMsatsPerHour: Int64?) {
        self.resources = resources
        self.maxMsatsPerHour = maxMsatsPerHour
    }

    public func run(reader: MarketReader, tenant: String, now: Int64) async throws(TenantError) -> Result {
        let listings = try await reader.offers(now: now)
        var fitting: [(OfferListing, Int64)] = []
        var skipped: [(listing: OfferListing, why: String)] = []
        for listing in listings {
            if let why = listing.mismatch(resources, category: category) { skipped.append((listing, why)); continue }
            if let escrowArbitrator, !(listing.offer.escrow?.arbitrators.contains(escrowArbitrator) ?? false) {
                skipped.append((listing, listing.offer.escrow == nil ? "takes no escrow" : "does not accept this arbitrator"))
                continue
            }
            guard let perHour = listing.msatsPerHour(resources) else { skipped.append((listing, "not priced for this need")); continue }
            if let maxMsatsPerHour, perHour > maxMsatsPerHour {
                skipped.append((listing, "\(perHour) msats/hour is over --max-price \(maxMsatsPerHour)"))
                continue
            }
            fitting.append((listing, perHour))
        }
        guard !fitting.isEmpty else { return Result(ranked: [], skipped: skipped) }
        let distances = try await reader.distances(from: tenant)
        let providers = Array(Set(fitting.map(\.0.provider))).sorted()
        let (ratings, answered) = try await reader.ratings(of: providers)
        let ranked = fitting.map { listing, perHour in
            RankedOffer(listing: listing, msatsPerHour: perHour,
                        reputation: Reputation.score(provider: listing.provider, ratings: ratings, answered: answered, distances: distances, weights: weights))
        }
        return Result(ranked: OfferRanking.rank(ranked), skipped: skipped)
    }
}
