import Foundation
import NostrBridge
import XCTest

/// Every JSON example in docs/nip-compute.md is a real, validly signed event that the codec reads
/// as the draft says; encrypted examples decrypt to the tag arrays printed under them.
final class ComputeDraftExamplesTests: XCTestCase {
    typealias F = ComputeFixtures

    enum Block {
        case event(NostrEvent)
        case tags([[String]])
    }

    static func blocks() throws -> [Block] {
        let draft = try String(contentsOf: ComputeDraft.url, encoding: .utf8)
        var blocks: [Block] = []
        for chunk in draft.components(separatedBy: "```json\n").dropFirst() {
            guard let body = chunk.components(separatedBy: "\n```").first else { continue }
            let data = Data(body.utf8)
            if let event = try? JSONDecoder().decode(NostrEvent.self, from: data) {
                blocks.append(.event(event))
            } else {
                blocks.append(.tags(try JSONDecoder().decode([[String]].self, from: data)))
            }
        }
        return blocks
    }

    func testExamplesAreSignedAndParse() throws {
        let blocks = try Self.blocks()
        var kinds: Set<Int> = []
        var resultStatuses: Set<ComputeResult.Status> = []
        var feedbackStatuses: Set<ComputeFeedback.Status> = []
        var requests: [String: ComputeRequest] = [:]
        var notCompute = 0
        var logRequests: Set<String> = []
        for (index, block) in blocks.enumerated() {
            guard case .event(let event) = block else { continue }
            XCTAssertNoThrow(try event.validate(now: event.createdAt), "example \(index) is not a valid signed event")
            kinds.insert(event.kind)
            if event.hasTag("encrypted") {
                guard index + 1 < blocks.count, case .tags(let shown) = blocks[index + 1] else {
                    XCTFail("encrypted example \(index) should be followed by its decrypted tags")
                    continue
                }
                XCTAssertEqual(try decrypt(event), shown, "example \(index): the decrypted content differs from the draft")
            }
            switch event.kind {
            case ComputeKinds.request:
                switch try ComputeRequest.parse(event, key: F.provider) {
                case .request(let request): requests[request.id] = request
                case .notCompute: notCompute += 1
                }
            case ComputeKinds.result:
                let result = try ComputeResult.parse(event, key: F.tenant)
                resultStatuses.insert(result.status)
                XCTAssertEqual(event.pubkey, F.provider.publicKey.hex)
                XCTAssertNotNil(requests[result.context.requestID], "example \(index) answers a request shown earlier")
                XCTAssertEqual(result.context.encryption, requests[result.context.requestID]?.encryption, "answers mirror the request's encryption")
            case ComputeKinds.jobFeedback:
                let feedback = try ComputeFeedback.parse(event, key: F.tenant)
                feedbackStatuses.insert(feedback.status)
            case ComputeKinds.offer:
                let offer = try ComputeOffer.parse(event)
                XCTAssertEqual(offer.cashu?.p2pk, F.p2pk)
            case ComputeKinds.tenantFeedback:
                XCTAssertNotNil(try ComputeRating.parse(event).rating)
            case ComputeKinds.nutzap:
                let nutzap = try XCTUnwrap(ComputeNutzap(event: event))
                XCTAssertEqual(requests[nutzap.requestID]?.rail, .cashu, "the nutzap pays the Cashu example's lease")
            case ComputeKinds.nutzapInfo:
                XCTAssertEqual(event.firstTagValue("pubkey"), F.p2pk, "nutzaps are locked to the offer's p2pk key")
            case ComputeKinds.logRequest:
                let request = try ComputeLogRequest.parse(event, key: F.provider)
                XCTAssertEqual(requests[request.requestID]?.tenant, request.tenant, "only the lease's tenant asks for its logs")
                logRequests.insert(event.id)
            case ComputeKinds.logChunk:
                let chunk = try ComputeLogChunk.parse(event, key: F.tenant)
                XCTAssertTrue(logRequests.contains(chunk.logRequestID), "a chunk answers a log request shown earlier")
                XCTAssertEqual(event.pubkey, F.provider.publicKey.hex)
            case ComputeKinds.deletion:
                XCTAssertEqual(ComputeCancellation.requestIDs(in: event).count, 1)
                XCTAssertEqual(requests[ComputeCancellation.requestIDs(in: event)[0]]?.tenant, event.pubkey, "only the author cancels")
            default:
                XCTFail("example \(index) has unexpected kind \(event.kind)")
            }
        }
        XCTAssertTrue(kinds.isSuperset(of: [5900, 6900, 7000, 7900, 31900, 9321, 10019, 5, 25900, 26900]), "every kind has an example: \(kinds.sorted())")
        XCTAssertEqual(resultStatuses, Set(ComputeResult.Status.allCases), "every 6900 status has an example")
        XCTAssertEqual(feedbackStatuses, [.paymentRequired, .processing, .error, .success])
        XCTAssertEqual(requests.count, 3)
        XCTAssertEqual(Set(requests.values.map(\.encryption)), [nil, .nip44, .nip04])
        XCTAssertEqual(notCompute, 1, "the timestamping request")
    }

    func testExampleKeysAreTheOnesPublished() throws {
        let draft = try String(contentsOf: ComputeDraft.url, encoding: .utf8)
        for (label, pubkey) in [("nip-compute example tenant", F.tenant.publicKey.hex), ("nip-compute example provider", F.provider.publicKey.hex),
                                ("nip-compute example cashu p2pk", F.p2pk)] {
            XCTAssertTrue(draft.contains("`\(label)` | `\(pubkey)`"), label)
        }
    }

    func testTagNamesInTheCodecAreDocumented() throws {
        let draft = try String(contentsOf: ComputeDraft.url, encoding: .utf8)
        for key in ComputeParam.all { XCTAssertTrue(draft.contains("| `\(key)` |"), "param \(key) is in the §3.2 table") }
        for tag in [ComputeTag.price, ComputeTag.cost, ComputeTag.interval, ComputeTag.grace, ComputeTag.duration, ComputeTag.total, ComputeTag.rail,
                    ComputeTag.endpoint, ComputeTag.paidUntil, ComputeTag.reason, ComputeTag.exitCode, ComputeTag.refund, ComputeTag.tranche,
                    ComputeTag.mint, ComputeTag.p2pk, ComputeTag.region, ComputeTag.capacity, ComputeTag.maxDuration, ComputeTag.maxGPUs,
                    ComputeTag.registry, ComputeTag.ports, ComputeTag.label, ComputeTag.lead, ComputeTag.bidLifetime, ComputeTag.relays,
                    ComputeTag.replyRelays, ComputeTag.refunds, ComputeTag.proofOfWork, ComputeTag.defaultDisk, ComputeTag.maxDisk,
                    ComputeTag.escrow, ComputeTag.arbitrator, ComputeTag.winner, ComputeTag.proof] {
            XCTAssertTrue(draft.contains("[\"\(tag)\""), "tag \(tag) is documented")
        }
        for tag in [ComputeTag.follow, ComputeTag.since, ComputeTag.after, ComputeTag.tail, ComputeTag.sequence, ComputeTag.line, ComputeTag.end] {
            XCTAssertTrue(draft.contains("[\"\(tag)\""), "log tag \(tag) is documented (§5.4)")
        }
        for reason in [ComputeLogChunk.End.complete, ComputeLogChunk.End.stopped, ComputeLogChunk.End.window, ComputeLogChunk.End.limit,
                       ComputeLogChunk.End.replaced, ComputeLogChunk.End.busy, ComputeLogChunk.End.starting, ComputeLogChunk.End.unavailable] {
            XCTAssertTrue(draft.contains("| `\(reason)` |"), "log end reason \(reason) is in §5.4's table")
        }
        for reason: ComputeEndReason in [.exited, .durationEnded, .unpaid, .bidExpired, .cancelled, .failed, .providerStopped, .policyViolation] {
            XCTAssertTrue(draft.contains("`\(reason.rawValue)`"), reason.rawValue)
        }
        for category in ComputeEscrowReport.Category.allCases { XCTAssertTrue(draft.contains("\"\(category.rawValue)\""), category.rawValue) }
        XCTAssertTrue(draft.contains("| \(ComputeKinds.escrowSignatures)  |"), "kind 7901 is in §1's table")
        for code: ComputeErrorCode in [.invalidRequest, .policy, .noCapacity, .bidTooLow, .payment, .failed, .busy] {
            XCTAssertTrue(draft.contains("`\(code.rawValue)`"), code.rawValue)
        }
    }

    private func decrypt(_ event: NostrEvent) throws -> [[String]] {
        let peer = event.pubkey == F.tenant.publicKey.hex ? F.provider.publicKey : try PublicKey(hex: event.pubkey)
        let plaintext = event.content.contains("?iv=")
            ? try NIP04.decrypt(event.content, secretKey: F.tenant, peer: peer)
            : try NIP44.decrypt(event.content, secretKey: F.tenant, peer: peer)
        return try JSONDecoder().decode([[String]].self, from: Data(plaintext.utf8))
    }
}
