import Foundation
import NostrBridge
import Tenant

/// Which provider `ncn run` addresses, why, and the most it will pay when --max-price is absent.
struct ProviderChoice {
    let provider: PublicKey
    let why: String
    let maxPriceMsats: Int64
    /// The chosen provider's live offer, when the relays have one.
    var offer: ComputeOffer? = nil

    /// `named` nil means auto: the best-ranked offer that fits (and fits the budget).
    static func choose(named: PublicKey?, resources: ComputeResources, category: String? = nil, escrowArbitrator: String? = nil,
                       durationSeconds: Int, maxPrice: Int64?, reader: MarketReader, tenant: String) async throws(TenantError) -> ProviderChoice {
        let now = NostrEvent.currentTimestamp()
        if let named {
            let listing = try await reader.offers(now: now).first { $0.provider == named.hex }
            if let maxPrice { return ProviderChoice(provider: named, why: "named with --provider", maxPriceMsats: maxPrice, offer: listing?.offer) }
            guard let listing, let total = estimatedTotal(listing, resources, durationSeconds) else {
                throw TenantError(.request, "provider \(named.npub) has no live offer to price the job from: pass --max-price MSATS (the most for the whole duration)")
            }
            return ProviderChoice(provider: named, why: "named with --provider; its offer prices the job at \(Format.msats(total))", maxPriceMsats: total,
                                  offer: listing.offer)
        }
        var search = OfferSearch(resources: resources, maxMsatsPerHour: nil)
        search.category = category
        search.escrowArbitrator = escrowArbitrator
        let result = try await search.run(reader: reader, tenant: tenant, now: now)
        for (index, ranked) in result.ranked.enumerated() {
            guard let total = estimatedTotal(ranked.listing, resources, durationSeconds) else { continue }
            if let maxPrice, total > maxPrice { continue }
            let r = ranked.reputation
            let why = "ranked \(index + 1) of \(result.ranked.count) by price and reputation: \(Format.msats(ranked.msatsPerHour))/hour, "
                + "score \(String(format: "%.2f", r.score)) from \(r.raters) rater\(r.raters == 1 ? "" : "s"), about \(Format.msats(total)) for the job"
            return ProviderChoice(provider: try! PublicKey(hex: ranked.listing.provider), why: why, maxPriceMsats: maxPrice ?? total,
                                  offer: ranked.listing.offer)
        }
        let reasons = result.skipped.prefix(5).map { "\(Format.short($0.listing.provider)): \($0.why)" }.joined(separator: "; ")
        throw TenantError(.noProvider, result.ranked.isEmpty
            ? "no live offer fits this job\(reasons.isEmpty ? "" : " (\(reasons))"): try smaller resources, other relays, or `ncn offers --all`"
            : "no offer fits the job within --max-price \(maxPrice ?? 0) msats: raise it (see `ncn offers`)")
    }

    /// What the offer's prices make of the whole job (§7.1), as a bid would say.
    static func estimatedTotal(_ listing: OfferListing, _ resources: ComputeResources, _ durationSeconds: Int) -> Int64? {
        guard let costs = listing.offer.costs(for: resources),
              let bid = ComputeBid(costs: costs, intervalSeconds: listing.offer.intervalSeconds, graceSeconds: listing.offer.graceSeconds,
                                   durationSeconds: durationSeconds, expiresAt: 0, rail: .lightning) else { return nil }
        return bid.totalMsats
    }
}
