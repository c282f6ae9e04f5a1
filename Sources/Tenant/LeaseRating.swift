import Foundation
import NostrBridge

/// `ncn rate`: the tenant's kind 7900 about a lease (draft §9), published to its relays.
public struct LeaseRating: Sendable {
    public var requestID: String
    public var provider: String
    public var stars: Int
    /// As the `uptime` tag writes it, e.g. "0.998".
    public var uptime: String?
    public var review: String
    /// [category, text] pairs.
    public var reports: [[String]]
    /// The `d` of the offer the lease came from, for the `a` tag.
    public var offerIdentifier: String?

    public init(requestID: String, provider: String, stars: Int, uptime: String? = nil, review: String = "", reports: [[String]] = [],
                offerIdentifier: String? = nil) {
        self.requestID = requestID
        self.provider = provider
        self.stars = stars
        self.uptime = uptime
        self.review = review
        self.reports = reports
        self.offerIdentifier = offerIdentifier
    }

    /// "0.998" from what a person typed: a decimal from 0 to 1, no exponent, at most 3 places kept.
    public static func uptime(_ text: String) throws(TenantError) -> String {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(text), (0...1).contains(value) else {
            throw TenantError(.request, "--uptime \(text): write the share of the paid time the endpoints answered, from 0 to 1, e.g. 0.998")
        }
        return UptimeMeter<ContinuousClock.Instant>.format(value)
    }

    /// The signed event, read back with the parser `ncn offers` uses, so a rating it would not
    /// count never leaves this machine.
    public func event(key: SecretKey) throws(TenantError) -> NostrEvent {
        guard (1...5).contains(stars) else { throw TenantError(.request, "--stars \(stars): give 1 to 5 stars") }
        guard requestID.utf8.count == 64, requestID.allSatisfy(\.isHexDigit), provider.utf8.count == 64, provider.allSatisfy(\.isHexDigit) else {
            throw TenantError(.request, "the request id and the provider are 64 hex digits each")
        }
        for report in reports where report.count != 2 || report[0].isEmpty {
            throw TenantError(.request, "--report takes a category and a text, e.g. --report no-delivery \"the endpoint never answered\"")
        }
        var builder = ComputeRating(requestID: requestID, provider: provider, rating: stars, uptime: uptime, reports: reports, comment: review).eventBuilder()
        if let offerIdentifier { builder.tags.append(["a", "\(ComputeKinds.offer):\(provider):\(offerIdentifier)"]) }
        let event: NostrEvent
        do { event = try builder.sign(with: key) } catch { throw TenantError(.request, "cannot sign the rating: \(error)") }
        guard let read = try? ComputeRating.parse(event), read.rating == stars, read.provider == provider, read.requestID == requestID else {
            throw TenantError(.request, "the rating does not read back as a kind 7900 rating")
        }
        return event
    }

    /// Signs and publishes; returns the event and the relays that took it.
    public func publish(key: SecretKey, pool: RelayPool) async throws(TenantError) -> (event: NostrEvent, relays: [String]) {
        let event = try event(key: key)
        let outcomes = await pool.publish(event)
        let accepted = outcomes.filter(\.value.isSuccess).keys.sorted()
        guard !accepted.isEmpty else {
            throw TenantError(.relay, "no relay took the rating (\(outcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")))")
        }
        return (event, accepted)
    }

    /// The `d` of the provider's live offer, when it has exactly one; nil otherwise.
    public static func offerIdentifier(of provider: String, pool: RelayPool, now: Int64) async -> String? {
        guard let events = await pool.stored([Filter(authors: [provider], kinds: [ComputeKinds.offer])], timeout: .seconds(5)) else { return nil }
        let listings = OfferListing.current(events, now: now).filter { $0.provider == provider }
        return listings.count == 1 ? listings[0].offer.identifier : nil
    }
}
