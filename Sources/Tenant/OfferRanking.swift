/// An offer that fits, with its price and the provider's reputation.
public struct RankedOffer: Sendable, Hashable {
    public var listing: OfferListing
    public var msatsPerHour: Int64
    public var reputation: Reputation

    public init(listing: OfferListing, msatsPerHour: Int64, reputation: Reputation) {
        self.listing = listing
        self.msatsPerHour = msatsPerHour
        self.reputation = reputation
    }

    /// The price as the tenant weighs it: an average provider (3 stars) at its price, a 5-star
    /// one at half of it, a 1-star one at one and a half times it. Lower ranks first.
    public var weightedPrice: Double {
        Double(msatsPerHour) * (7 - reputation.score) / 4
    }
}

public enum OfferRanking {
    /// Best first: by weighted price, then by score, then by provider for a stable order.
    public static func rank(_ offers: [RankedOffer]) -> [RankedOffer] {
        offers.sorted {
            if $0.weightedPrice != $1.weightedPrice { return $0.weightedPrice < $1.weightedPrice }
            if $0.reputation.score != $1.reputation.score { return $0.reputation.score > $1.reputation.score }
            return $0.listing.provider < $1.listing.provider
        }
    }
}
