import XCTest
@testable import Tenant

final class ReputationTests: XCTestCase {
    let tenant = String(repeating: "a", count: 64)
    let friend = String(repeating: "b", count: 64)
    let friendOfFriend = String(repeating: "c", count: 64)
    let stranger = String(repeating: "d", count: 64)
    let provider = String(repeating: "e", count: 64)
    let cheap = String(repeating: "f", count: 64)

    var distances: [String: Int] {
        FollowGraph.distances(from: tenant, contacts: [tenant: [friend], friend: [friendOfFriend, tenant]])
    }

    func rating(_ author: String, _ provider: String, _ request: String, _ stars: Int, at time: Int64 = 100) -> RatingRecord {
        RatingRecord(author: author, provider: provider, requestID: request, stars: stars, createdAt: time)
    }

    func testTheFollowGraphPlacesFollowsAndTheirFollows() {
        XCTAssertEqual(distances, [tenant: 0, friend: 1, friendOfFriend: 2])
        XCTAssertEqual(FollowGraph.follows(inContactList: [["p", friend], ["p", friend], ["p", "nothex"], ["e", stranger]]), [friend])
    }

    func testNoRatingsLeaveThePrior() {
        let reputation = Reputation.score(provider: provider, ratings: [], answered: [], distances: distances)
        XCTAssertEqual(reputation.score, 3)
        XCTAssertEqual(reputation.raters, 0)
    }

    func testAFollowWeighsFarMoreThanStrangers() {
        let answered: Set = [AnsweredRequest(provider: provider, requestID: "r1"), AnsweredRequest(provider: cheap, requestID: "s1"),
                             AnsweredRequest(provider: cheap, requestID: "s2")]
        let ratings = [rating(friend, provider, "r1", 5), rating(stranger, cheap, "s1", 5), rating(String(repeating: "9", count: 64), cheap, "s2", 5)]
        let byFriend = Reputation.score(provider: provider, ratings: ratings, answered: answered, distances: distances)
        let byStrangers = Reputation.score(provider: cheap, ratings: ratings, answered: answered, distances: distances)
        XCTAssertEqual(byFriend.score, 4, accuracy: 1e-9, "(3×1 + 5×1) / 2")
        XCTAssertEqual(byFriend.ratersByCloseness, [.follow: 1])
        XCTAssertEqual(byStrangers.score, (3 + 0.2) / 1.04, accuracy: 1e-9)
        XCTAssertEqual(byStrangers.ratersByCloseness, [.stranger: 2])
        // Ranked: the followed provider wins over one 20% cheaper rated only by strangers.
        let ranked = OfferRanking.rank([
            RankedOffer(listing: listing(cheap), msatsPerHour: 8_000, reputation: byStrangers),
            RankedOffer(listing: listing(provider), msatsPerHour: 10_000, reputation: byFriend),
        ])
        XCTAssertEqual(ranked.map(\.listing.provider), [provider, cheap])
    }

    func testARatingOfARequestTheProviderNeverAnsweredCountsATenth() {
        let ratings = [rating(friend, provider, "never", 1)]
        let unanswered = Reputation.score(provider: provider, ratings: ratings, answered: [], distances: distances)
        XCTAssertEqual(unanswered.weight, 0.1, accuracy: 1e-9)
        XCTAssertEqual(unanswered.answered, 0)
        let answered = Reputation.score(provider: provider, ratings: ratings, answered: [AnsweredRequest(provider: provider, requestID: "never")],
                                        distances: distances)
        XCTAssertEqual(answered.weight, 1, accuracy: 1e-9)
        XCTAssertEqual(answered.score, 2, accuracy: 1e-9)
        // An answer by another provider proves nothing about this one.
        let other = Reputation.score(provider: provider, ratings: ratings, answered: [AnsweredRequest(provider: cheap, requestID: "never")],
                                     distances: distances)
        XCTAssertEqual(other.weight, 0.1, accuracy: 1e-9)
    }

    func testOneAuthorIsOneVoteAndTheProviderCannotRateItself() {
        let answered: Set = (1...50).map { AnsweredRequest(provider: provider, requestID: "r\($0)") }.reduce(into: Set()) { $0.insert($1) }
        var ratings = (1...50).map { rating(stranger, provider, "r\($0)", 5) }
        ratings.append(rating(provider, provider, "r1", 5))
        ratings.append(rating(friendOfFriend, provider, "r2", 1, at: 50))
        ratings.append(rating(friendOfFriend, provider, "r2", 2, at: 60))  // newer rating of the same request replaces the older
        let reputation = Reputation.score(provider: provider, ratings: ratings, answered: answered, distances: distances)
        XCTAssertEqual(reputation.raters, 2)
        XCTAssertEqual(reputation.weight, 0.27, accuracy: 1e-9)
        XCTAssertEqual(reputation.score, (3 + 0.02 * 5 + 0.25 * 2) / 1.27, accuracy: 1e-9)
        XCTAssertEqual(reputation.ratersByCloseness, [.stranger: 1, .followOfFollow: 1])
    }

    private func listing(_ provider: String) -> OfferListing {
        OfferListing(provider: provider, eventID: provider, createdAt: 0, offer: .init(
            identifier: "default", capacity: .init(cpuMillicoresFree: 1000, cpuMillicoresTotal: 1000, memoryBytesFree: 1 << 30, memoryBytesTotal: 1 << 30),
            prices: .init(msatsPerCpuHour: 1, msatsPerGiBHour: 1), intervalSeconds: 60, graceSeconds: 10, rails: [.lightning]))
    }
}
