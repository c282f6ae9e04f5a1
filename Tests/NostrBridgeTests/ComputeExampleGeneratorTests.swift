import Foundation
import NostrBridge
import XCTest

/// Rewrites the examples of docs/nip-compute.md (everything after the marker comment) from the
/// codec itself: `NCN_WRITE_EXAMPLES=1 swift test --filter ComputeExampleGenerator`. Skipped
/// otherwise; ComputeDraftExamplesTests checks the draft's copy on every run.
final class ComputeExampleGeneratorTests: XCTestCase {
    typealias F = ComputeFixtures

    func testWriteExamples() throws {
        guard ProcessInfo.processInfo.environment["NCN_WRITE_EXAMPLES"] == "1" else { throw XCTSkip("set NCN_WRITE_EXAMPLES=1 to rewrite the draft's examples") }
        var out = ""
        func show(_ title: String, _ text: String, _ event: NostrEvent, hidden: [[String]]? = nil) {
            out += "### \(title)\n\n\(text)\n\n```json\n\(Self.pretty(event))\n```\n\n"
            if let hidden { out += "Its `content` decrypts to:\n\n```json\n\(Self.prettyTags(hidden, indent: ""))\n```\n\n" }
        }
        let t0 = F.t0
        let provider = F.provider

        // Plain GPU request, with 8 bits of proof of work.
        let gpu = try NostrEvent.mine(kind: ComputeKinds.request, tags: F.gpuRequestTags, content: "", createdAt: t0, difficulty: 8, with: F.tenant)
        show("Request, plain (kind 5900)", "One H100 for an hour, paid over Lightning, with 8 bits of NIP-13 proof of work.", gpu)
        guard case .request(let gpuRequest) = try ComputeRequest.parse(gpu, key: provider) else { return XCTFail() }
        let ctx = gpuRequest.replyContext(relayHint: F.relays[0])

        let cashu = F.encryptedRequest(F.cashuRequestHidden, scheme: .nip44, publicTags: [["expiration", String(t0 + 3600)]], at: t0 + 5)
        show("Request, encrypted with NIP-44 (kind 5900)", "A database for two hours paid in Cashu: the token and the password travel sealed.", cashu,
             hidden: F.cashuRequestHidden)
        guard case .request(let cashuRequest) = try ComputeRequest.parse(cashu, key: provider) else { return XCTFail() }
        let cctx = cashuRequest.replyContext(relayHint: F.relays[0])

        let batch = F.encryptedRequest(F.batchRequestHidden, scheme: .nip04, at: t0 + 7)
        show("Request, encrypted with NIP-04 (kind 5900)", "Accepted for older NIP-90 clients; answers go back with NIP-04 too.", batch, hidden: F.batchRequestHidden)

        let stamp = F.sign(ComputeKinds.request, [["i", "9f2c1e7a5b3d8f4e6a0c2b1d3e5f7a9c8b6d4f2e0a1c3b5d7f9e8c6a4b2d0f1e", "text"]], by: F.other, at: t0 + 9)
        show("Not a compute request: the timestamping DVM (kind 5900)", "No compute params: providers ignore it without answering.", stamp)

        let costs = [ComputeCost(resource: "cpu", msatsPerInterval: 13_334), ComputeCost(resource: "memory", msatsPerInterval: 5_334),
                     ComputeCost(resource: "gpu", msatsPerInterval: 333_334), ComputeCost(resource: "disk", msatsPerInterval: 834)]
        let bid = ComputeBid(pricePerIntervalMsats: 353_000, intervalSeconds: 600, graceSeconds: 60, durationSeconds: 3600, costs: costs,
                             expiresAt: t0 + 301, rail: .lightning)
        show("Bid (kind 6900, status bid)", "353 000 msats (353 sats) per 10-minute tranche, 2 118 000 msats for the hour, valid for 5 minutes.",
             try ComputeResult.bid(ctx, bid, message: "1x NVIDIA-H100-80GB-HBM3, 4 cores, 16Gi, 50Gi disk for 1 h").sign(with: provider, createdAt: t0 + 1))
        show("Payment required, Lightning (kind 7000)", "The first tranche.",
             try ComputeFeedback.paymentRequired(ctx, amountMsats: 353_000, bolt11: F.bolt11First, tranche: 0,
                                                 message: "pay tranche 0 to start").sign(with: provider, createdAt: t0 + 1))

        let cashuBid = ComputeBid(pricePerIntervalMsats: 3_000, intervalSeconds: 600, graceSeconds: 60, durationSeconds: 7200,
                                  costs: [ComputeCost(resource: "cpu", msatsPerInterval: 1_667), ComputeCost(resource: "memory", msatsPerInterval: 334),
                                          ComputeCost(resource: "disk", msatsPerInterval: 167)],
                                  expiresAt: t0 + 306, rail: .cashu)
        let sealedBid = try ComputeResult.bid(cctx, cashuBid).sign(with: provider, createdAt: t0 + 6)
        show("Bid to an encrypted request (kind 6900)", "Everything but `e`, `p`, `encrypted` and `expiration` is sealed to the tenant.", sealedBid,
             hidden: try Self.hidden(sealedBid))
        let terms = ComputeCashuTerms(mints: [ComputeMint(url: F.mint, unit: "sat")], p2pk: F.p2pk)
        let sealedPay = try ComputeFeedback.paymentRequired(cctx, amountMsats: 3_000, bolt11: nil, cashu: terms, tranche: 1,
                                                            message: "send tranche 1 (3 sat) as a nutzap")
            .sign(with: provider, createdAt: t0 + 606)
        show("Payment required, Cashu (kind 7000, encrypted)", "3 000 msats (3 sats) for the second tranche, at a mint whose unit is sat.", sealedPay,
             hidden: try Self.hidden(sealedPay))

        show("Processing (kind 7000)", "Payment received and credited; sent after every payment, with the new paid-until.",
             try ComputeFeedback.processing(ctx, paidUntil: t0 + 620, message: "Payment received; paid until \(t0 + 620).").sign(with: provider, createdAt: t0 + 20))
        show("Provisioning (kind 6900)", "", try ComputeResult.provisioning(ctx, paidUntil: t0 + 620, message: "pulling image").sign(with: provider, createdAt: t0 + 21))
        let endpoints = [ComputeEndpoint(host: "203.0.113.7", port: 31080, protocol: .tcp, name: "http"),
                         ComputeEndpoint(host: "203.0.113.7", port: 32222, protocol: .tcp, name: "ssh")]
        show("Running with endpoints (kind 6900)", "", try ComputeResult.running(ctx, endpoints: endpoints, paidUntil: t0 + 620).sign(with: provider, createdAt: t0 + 48))
        show("Renewal due (kind 6900)", "Two minutes before the paid time ends.",
             try ComputeResult.renewalDue(ctx, paidUntil: t0 + 620, amountMsats: 353_000).sign(with: provider, createdAt: t0 + 500))
        show("Payment required for a renewal (kind 7000)", "",
             try ComputeFeedback.paymentRequired(ctx, amountMsats: 353_000, bolt11: F.bolt11Second, tranche: 1).sign(with: provider, createdAt: t0 + 500))

        let nutzap = F.sign(ComputeKinds.nutzap, [
            ["proof", #"{"amount":2,"id":"00ad268c4d1f5826","secret":"[\"P2PK\",{\"nonce\":\"5d11913ee0f92fefdc82a6764fd2457a\",\"data\":\"\#(F.p2pk)\"}]","C":"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"}"#],
            ["proof", #"{"amount":1,"id":"00ad268c4d1f5826","secret":"[\"P2PK\",{\"nonce\":\"b0a5c1de2f6e4c8a9f3d7e1b5a9c3e7f\",\"data\":\"\#(F.p2pk)\"}]","C":"02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"}"#],
            ["unit", "sat"], ["u", F.mint], ["e", cashu.id, F.relays[0]], ["k", "5900"], ["p", provider.publicKey.hex],
        ], content: "tranche 1", by: F.tenant, at: t0 + 610)
        show("Renewal paid by nutzap (kind 9321)", "NIP-61 proofs locked to the offer's P2PK key, referencing the request.", nutzap)

        show("Completed (kind 6900)", "", try ComputeResult.ended(ctx, reason: .durationEnded, message: "the hour is over").sign(with: provider, createdAt: t0 + 3620))
        show("Success (kind 7000)", "Sent with the completed 6900, for clients that follow kind 7000 only.",
             try ComputeFeedback.ended(ctx, reason: .durationEnded, message: "the hour is over").sign(with: provider, createdAt: t0 + 3620))
        let terminated = try ComputeResult.ended(cctx, reason: .unpaid, message: "tranche 2 was not paid within the grace period")
            .sign(with: provider, createdAt: t0 + 1267)
        show("Terminated, unpaid (kind 6900, encrypted)", "The encrypted lease after its tenant stopped paying.", terminated,
             hidden: try Self.hidden(terminated))
        let terminatedError = try ComputeFeedback.ended(cctx, reason: .unpaid, message: "tranche 2 was not paid within the grace period")
            .sign(with: provider, createdAt: t0 + 1267)
        show("Error with the end of a lease (kind 7000, encrypted)", "Sent with the terminated 6900; its reason is the 6900's.", terminatedError,
             hidden: try Self.hidden(terminatedError))
        let badRequest = F.plainRequest(F.replacing("cpu", with: ["param", "cpu", "2 cores"]), at: t0 + 30)
        let error: ComputeRequestError
        do { _ = try ComputeRequest.parse(badRequest); return XCTFail() } catch let e { error = e }
        show("Error for a malformed request (kind 7000)", "The text says what to fix.",
             try ComputeFeedback.error(badRequest.replyContextForTests, message: error.description, code: .invalidRequest).sign(with: provider, createdAt: t0 + 31))
        show("Cancellation (kind 5)", "", F.sign(ComputeKinds.deletion, ComputeCancellation.eventBuilder(requestID: cashu.id, reason: "no longer needed").tags,
                                                content: "no longer needed", by: F.tenant, at: t0 + 900))

        // Logs (§5.4): the tenant follows the GPU lease's output from the last line it has.
        let logAsk = try ComputeLogRequest(requestID: gpu.id, provider: provider.publicKey.hex, follow: true,
                                           after: ComputeLogTimestamp("2026-01-01T00:00:52.104331512Z")).sign(with: F.tenant, createdAt: t0 + 90)
        show("Log request (kind 25900, encrypted, ephemeral)", "The tenant follows its container's output from the last line it has.", logAsk,
             hidden: try Self.hidden(logAsk))
        let lines = [ComputeLogLine(timestamp: ComputeLogTimestamp("2026-01-01T00:01:29.70012Z")!, text: "INFO model loaded in 31.2 s"),
                     ComputeLogLine(timestamp: ComputeLogTimestamp("2026-01-01T00:01:29.700391Z")!, text: "INFO listening on :8080")]
        let firstChunk = try ComputeLogChunk(logRequestID: logAsk.id, tenant: F.tenant.publicKey.hex, sequence: 0, lines: lines)
            .sign(with: provider, createdAt: t0 + 91)
        show("Log chunk (kind 26900, encrypted, ephemeral)", "Lines written after the request's cursor, each with its instant.", firstChunk,
             hidden: try Self.hidden(firstChunk))
        let lastChunk = try ComputeLogChunk(logRequestID: logAsk.id, tenant: F.tenant.publicKey.hex, sequence: 1,
                                            lines: [ComputeLogLine(timestamp: ComputeLogTimestamp("2026-01-01T00:06:02.5Z")!, text: "INFO 200 GET /v1/models")],
                                            end: ComputeLogChunk.End(ComputeLogChunk.End.window, "ask again with after to go on"))
            .sign(with: provider, createdAt: t0 + 390)
        show("Last log chunk of a follow (kind 26900, encrypted, ephemeral)", "The provider's window for one answer is over; the client asks again with `after`.",
             lastChunk, hidden: try Self.hidden(lastChunk))

        let offer = ComputeOffer(
            identifier: "eu-central-1", region: "eu-central",
            capacity: ComputeCapacity(cpuMillicoresFree: 58_500, cpuMillicoresTotal: 64_000, memoryBytesFree: 223 << 30, memoryBytesTotal: 256 << 30,
                                      gpus: [ComputeGPUCapacity(model: F.gpuModel, free: 3, total: 4)],
                                      disk: ComputeDiskCapacity(freeBytes: 1_700 << 30, totalBytes: 1_800 << 30)),
            prices: ComputePrices(msatsPerCpuHour: 20_000, msatsPerGiBHour: 2_000, msatsPerGpuHour: [F.gpuModel: 2_000_000], msatsPerDiskGiBHour: 100),
            intervalSeconds: 600, graceSeconds: 60, rails: [.lightning, .cashu], cashu: terms, maxDurationSeconds: 604_800, maxGPUsPerLease: 4,
            allowedRegistries: ["ghcr.io", "docker.io/library"], portRange: 1024...65535, labels: ["network": "1gbit", "tier": "homelab"],
            invoiceLeadSeconds: 120, bidLifetimeSeconds: 300, relays: F.relays, replyRelays: 3, refunds: "none",
            defaultDiskBytes: 10 << 30, maxDiskBytes: 100 << 30, expiration: t0 + 7200, about: "Homelab rack in Frankfurt: 4x H100, gVisor sandbox.")
        show("Provider offer (kind 31900)", "", try offer.sign(with: provider, createdAt: t0 - 60))
        var nutzapInfo = try XCTUnwrap(ComputeNutzapInfo.eventBuilder(terms: terms, relays: F.relays))
        nutzapInfo.createdAt = t0 - 60
        show("Nutzap information (kind 10019)", "NIP-61: where a generic nutzap wallet finds the provider's mints and lock key.",
             try nutzapInfo.sign(with: provider))
        let rating = ComputeRating(requestID: gpu.id, provider: provider.publicKey.hex, rating: 5, uptime: "0.998",
                                   attestations: [["gpu-model", F.gpuModel, ""], ["tokens-per-second", "2310", "tokens/s"]],
                                   comment: "Fast start, endpoint up the whole hour.")
        show("Tenant feedback (kind 7900)", "", F.sign(ComputeKinds.tenantFeedback, rating.eventBuilder().tags + [["a", "31900:\(provider.publicKey.hex):eu-central-1"]],
                                                       content: rating.comment, by: F.tenant, at: t0 + 3700))
        let draft = try String(contentsOf: ComputeDraft.url, encoding: .utf8)
        guard let marker = draft.range(of: Self.marker) else { return XCTFail("the draft lacks the examples marker") }
        try (draft[..<marker.upperBound] + "\n\n" + out).write(to: ComputeDraft.url, atomically: true, encoding: .utf8)
    }

    static let marker = "<!-- Everything below is written by ComputeExampleGeneratorTests (NCN_WRITE_EXAMPLES=1). -->"

    static func hidden(_ event: NostrEvent) throws -> [[String]] {
        let plaintext = event.content.contains("?iv=")
            ? try NIP04.decrypt(event.content, secretKey: ComputeFixtures.tenant, peer: ComputeFixtures.provider.publicKey)
            : try NIP44.decrypt(event.content, secretKey: ComputeFixtures.tenant, peer: ComputeFixtures.provider.publicKey)
        return try JSONDecoder().decode([[String]].self, from: Data(plaintext.utf8))
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(data: try! encoder.encode(value), encoding: .utf8)!
    }

    static func prettyTags(_ tags: [[String]], indent: String) -> String {
        guard !tags.isEmpty else { return "[]" }
        return "[\n" + tags.map { indent + "  " + json($0).replacingOccurrences(of: "\",\"", with: "\", \"") }.joined(separator: ",\n") + "\n\(indent)]"
    }

    static func pretty(_ event: NostrEvent) -> String {
        """
        {
          "id": "\(event.id)",
          "pubkey": "\(event.pubkey)",
          "created_at": \(event.createdAt),
          "kind": \(event.kind),
          "tags": \(prettyTags(event.tags, indent: "  ")),
          "content": \(json(event.content)),
          "sig": "\(event.sig)"
        }
        """
    }
}

extension NostrEvent {
    /// For a request that fails to parse, the context an error is sent in.
    var replyContextForTests: ComputeReplyContext { ComputeReplyContext(requestID: id, tenant: pubkey) }
}
