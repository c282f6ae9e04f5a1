/// One kind 7900 as scoring needs it.
public struct RatingRecord: Sendable, Hashable {
    public var author: String
    public var provider: String
    public var requestID: String
    public var stars: Int
    public var createdAt: Int64

    public init(author: String, provider: String, requestID: String, stars: Int, createdAt: Int64) {
        self.author = author
        self.provider = provider
        self.requestID = requestID
        self.stars = stars
        self.createdAt = createdAt
    }
}

/// A request a provider answered with a 6900 (a bid at least): evidence that a rating of it
/// by that request's author is about a real dealing (draft §9).
public struct AnsweredRequest: Sendable, Hashable {
    public var provider: String
    public var requestID: String

    public init(provider: String, requestID: String) {
        self.provider = provider
        self.requestID = requestID
    }
}

/// Where a rater stands relative to the tenant.
public enum Closeness: String, Sendable, Hashable, CaseIterable, Codable {
    case you, follow, followOfFollow = "follow-of-follow", stranger

    init(distance: Int?) {
        switch distance {
        case 0: self = .you
        case 1: self = .follow
        case 2: self = .followOfFollow
        default: self = .stranger
        }
    }
}

/// How much a rating counts.
public struct ReputationWeights: Sendable, Hashable {
    public var byCloseness: [Closeness: Double]
    /// The draft (§9) says a rating is worth *more* when its request got a 6900 from the rated
    /// provider, not that others are worthless: an unanswered one counts this fraction.
    public var unansweredFactor: Double
    /// Scores start from `priorStars` held with this weight, so a few far ratings move them little.
    public var priorStars: Double
    public var priorWeight: Double

    public init(byCloseness: [Closeness: Double] = [.you: 1, .follow: 1, .followOfFollow: 0.25, .stranger: 0.02],
                unansweredFactor: Double = 0.1, priorStars: Double = 3, priorWeight: Double = 1) {
        self.byCloseness = byCloseness
        self.unansweredFactor = unansweredFactor
        self.priorStars = priorStars
        self.priorWeight = priorWeight
    }
}

/// A provider's Web-of-Trust reputation as one tenant sees it.
public struct Reputation: Sendable, Hashable {
    /// 1…5 stars, pulled toward the prior by the weight of the evidence.
    public var score: Double
    /// Raters counted (one per author: an author's ratings of one provider are averaged).
    public var raters: Int
    /// Of those, how many rated a request the provider answered.
    public var answered: Int
    public var ratersByCloseness: [Closeness: Int]
    /// The sum of the raters' weights.
    public var weight: Double

    /// The draft's §9, computed without IO: each author's ratings of `provider` (not by the
    /// provider itself) are averaged into one vote, weighted by the author's closeness to the
    /// tenant and by whether the rated request got a 6900 from that provider.
    public static func score(
        provider: String, ratings: [RatingRecord], answered: Set<AnsweredRequest>, distances: [String: Int],
        weights: ReputationWeights = ReputationWeights()
    ) -> Reputation {
        var byAuthor: [String: [RatingRecord]] = [:]
        for rating in ratings where rating.provider == provider && rating.author != provider && (1...5).contains(rating.stars) {
            byAuthor[rating.author, default: []].append(rating)
        }
        var reputation = Reputation(score: weights.priorStars, raters: 0, answered: 0, ratersByCloseness: [:], weight: 0)
        var weightedStars = weights.priorStars * weights.priorWeight
        for (author, records) in byAuthor {
            // One vote per request (the newest rating of it), then the author's votes averaged.
            var newest: [String: RatingRecord] = [:]
            for record in records where (newest[record.requestID]?.createdAt ?? .min) < record.createdAt { newest[record.requestID] = record }
            let votes = Array(newest.values)
            let real = votes.filter { answered.contains(AnsweredRequest(provider: provider, requestID: $0.requestID)) }
            let counted = real.isEmpty ? votes : real
            let stars = Double(counted.map(\.stars).reduce(0, +)) / Double(counted.count)
            let closeness = Closeness(distance: distances[author])
            let weight = (weights.byCloseness[closeness] ?? 0) * (real.isEmpty ? weights.unansweredFactor : 1)
            reputation.raters += 1
            if !real.isEmpty { reputation.answered += 1 }
            reputation.ratersByCloseness[closeness, default: 0] += 1
            reputation.weight += weight
            weightedStars += weight * stars
        }
        reputation.score = weightedStars / (weights.priorWeight + reputation.weight)
        return reputation
    }
}
