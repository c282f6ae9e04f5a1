import Foundation
import NostrBridge
import XCTest

/// Escrow on the wire (§7.7): the request's param, the offer's terms, the 7901 signatures event
/// and the 7900 dispute or claim.
final class ComputeEscrowWireTests: XCTestCase {
    typealias F = ComputeFixtures
    private let arbitrator = SecretKey.generate()

    private func parse(_ tags: [[String]]) throws -> ComputeRequest {
        guard case .request(let request) = try ComputeRequest.parse(F.plainRequest(tags)) else { throw CancellationError() }
        return request
    }

    func testTheEscrowParamNamesAnArbitratorAndChoosesTheCashuRail() throws {
        let request = try parse(F.minimalTags + [["param", "escrow", arbitrator.publicKey.hex]])
        XCTAssertEqual(request.escrowArbitrator, arbitrator.publicKey.hex)
        XCTAssertEqual(request.rail, .cashu)
        XCTAssertNil(try parse(F.minimalTags).escrowArbitrator)
        for bad in ["npub1xyz", String(repeating: "0", count: 64), arbitrator.publicKey.hex.uppercased()] {
            XCTAssertThrowsError(try parse(F.minimalTags + [["param", "escrow", bad]]), bad) { error in
                XCTAssertTrue("\(error)".contains("arbitrator"), "\(error)")
            }
        }
        XCTAssertThrowsError(try parse(F.minimalTags + [["param", "escrow", arbitrator.publicKey.hex], ["param", "rail", "lightning"]])) { error in
            XCTAssertTrue("\(error)".contains("Cashu"), "\(error)")
        }
        XCTAssertThrowsError(try parse(F.minimalTags + [["param", "escrow", arbitrator.publicKey.hex], ["param", "escrow", arbitrator.publicKey.hex]]))
    }

    func testTheOfferCarriesItsTermsAndArbitrators() throws {
        let terms = ComputeEscrowTerms(disputeWindowSeconds: 3600, feePPM: 10_000, arbitrators: [arbitrator.publicKey.hex])
        let offer = ComputeOffer(identifier: "x", capacity: ComputeCapacity(cpuMillicoresFree: 0, cpuMillicoresTotal: 1_000, memoryBytesFree: 0, memoryBytesTotal: 1 << 30),
                                 prices: ComputePrices(msatsPerCpuHour: 1, msatsPerGiBHour: 1), intervalSeconds: 60, graceSeconds: 0, rails: [.lightning],
                                 escrow: terms)
        let event = try offer.sign(with: F.provider)
        XCTAssertTrue(event.tags.contains(["escrow", "3600", "10000"]))
        XCTAssertEqual(try ComputeOffer.parse(event).escrow, terms)
        // 1% of 10 sats is 100 msats: the tranche rounds up to 11 sats.
        XCTAssertEqual(terms.trancheMsats(price: 10_000), 11_000)
        XCTAssertEqual(ComputeEscrowTerms(disputeWindowSeconds: 1, arbitrators: []).trancheMsats(price: 10_000), 10_000)
        let noArbitrator = F.sign(31900, event.tags.filter { $0.first != "arbitrator" }, by: F.provider, at: F.t0)
        XCTAssertThrowsError(try ComputeOffer.parse(noArbitrator))
    }

    func testSignaturesReachOnlyTheirRecipientAndTheLoserSeesTheDecision() throws {
        let y = "02" + String(repeating: "ab", count: 32), signature = String(repeating: "cd", count: 64)
        let decision = ComputeEscrowSignatures(purpose: .decision, requestID: String(repeating: "1", count: 64), tranche: 2,
                                               recipient: F.provider.publicKey.hex, signatures: [y: signature],
                                               claimID: String(repeating: "2", count: 64), otherParty: F.tenant.publicKey.hex, reason: "served in full")
        let event = try decision.sign(with: arbitrator)
        XCTAssertEqual(event.kind, 7901)
        XCTAssertFalse(event.content.contains(signature), "the signatures are encrypted")
        XCTAssertEqual(try ComputeEscrowSignatures.parse(event, key: F.provider), decision)
        let seenByLoser = try ComputeEscrowSignatures.parse(event, key: F.tenant)
        XCTAssertEqual(seenByLoser.signatures, [:])
        XCTAssertEqual(seenByLoser.recipient, F.provider.publicKey.hex)
        XCTAssertEqual(seenByLoser.reason, "served in full")

        let release = ComputeEscrowSignatures(purpose: .release, requestID: String(repeating: "1", count: 64), tranche: 0,
                                              recipient: F.provider.publicKey.hex, signatures: [y: signature])
        XCTAssertEqual(try ComputeEscrowSignatures.parse(try release.sign(with: F.tenant), key: F.provider), release)

        let tampered = F.sign(7901, event.tags.map { $0.first == "winner" ? ["winner", F.tenant.publicKey.hex] : $0 }, content: event.content, by: arbitrator, at: F.t0)
        XCTAssertThrowsError(try ComputeEscrowSignatures.parse(tampered, key: F.provider))
        let garbage = F.sign(7901, release.eventBuilderTags(), content: "not encrypted", by: F.tenant, at: F.t0)
        XCTAssertThrowsError(try ComputeEscrowSignatures.parse(garbage, key: F.provider))
    }

    func testADisputeCarriesItsProofSecretsEvidenceAndArbitrator() throws {
        let report = ComputeEscrowReport(category: .dispute, text: "the endpoint never answered", requestID: String(repeating: "1", count: 64), tranche: 1,
                                         counterparty: F.provider.publicKey.hex, arbitrator: arbitrator.publicKey.hex, mint: F.mint,
                                         secrets: [#"["P2PK",{"nonce":"00","data":"02aa"}]"#], evidence: [String(repeating: "3", count: 64)])
        let event = try report.sign(with: F.tenant)
        XCTAssertEqual(event.kind, 7900)
        XCTAssertEqual(try ComputeEscrowReport.parse(event), report)
        XCTAssertNil(try ComputeEscrowReport.parse(try ComputeRating(requestID: report.requestID, provider: F.provider.publicKey.hex, rating: 5).eventBuilder().sign(with: F.tenant)),
                     "a rating is not an escrow report")
        let unmarked = F.sign(7900, event.tags.map { $0.count == 4 && $0[3] == "arbitrator" ? ["p", $0[1]] : $0 }, by: F.tenant, at: F.t0)
        XCTAssertThrowsError(try ComputeEscrowReport.parse(unmarked))
        let flooded = F.sign(7900, event.tags + Array(repeating: ["proof", "x"], count: 64), by: F.tenant, at: F.t0)
        XCTAssertThrowsError(try ComputeEscrowReport.parse(flooded))
    }
}

private extension ComputeEscrowSignatures {
    func eventBuilderTags() -> [[String]] {
        [["e", requestID], ["p", recipient], ["escrow", purpose.rawValue], ["tranche", String(tranche)]]
    }
}
