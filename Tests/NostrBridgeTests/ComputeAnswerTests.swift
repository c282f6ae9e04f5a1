import NostrBridge
import XCTest

/// The provider's events (6900, 7000, 31900) and the tenant's (7900, 5, 9321) through their
/// builders and back through their parsers, plain and encrypted both ways.
final class ComputeAnswerTests: XCTestCase {
    typealias F = ComputeFixtures

    let plain = ComputeReplyContext(requestID: String(repeating: "ab", count: 32), tenant: F.tenant.publicKey.hex, relayHint: "wss://relay.damus.io")
    func sealed(_ scheme: ComputeEncryption) -> ComputeReplyContext {
        ComputeReplyContext(requestID: String(repeating: "cd", count: 32), tenant: F.tenant.publicKey.hex, encryption: scheme)
    }

    let bid = ComputeBid(pricePerIntervalMsats: 352_002, intervalSeconds: 600, graceSeconds: 60, durationSeconds: 3_601,
                         costs: [ComputeCost(resource: "cpu", msatsPerInterval: 13_334), ComputeCost(resource: "gpu", msatsPerInterval: 338_668)],
                         expiresAt: F.t0 + 300, rail: .lightning)

    var results: [ComputeResult] {
        [
            .bid(plain, bid, message: "1x H100"),
            .provisioning(plain, paidUntil: F.t0 + 620),
            .provisioning(plain, paidUntil: nil, message: "scheduling"),
            .running(plain, endpoints: [ComputeEndpoint(host: "203.0.113.7", port: 31_080, name: "http"),
                                        ComputeEndpoint(host: "2001:db8::7", port: 30_053, protocol: .udp)], paidUntil: F.t0 + 620),
            .running(plain, endpoints: [], paidUntil: F.t0 + 620),
            .renewalDue(plain, paidUntil: F.t0 + 1_220, amountMsats: 352_002),
            .ended(plain, reason: .durationEnded),
            .ended(plain, reason: .exited, exitCode: 0),
            .ended(plain, reason: .failed, exitCode: 137, message: "OOMKilled"),
            .ended(plain, reason: .providerStopped, refund: ComputeRefund(msats: 120_000, cashuToken: F.cashuToken)),
            .ended(plain, reason: "some-future-reason"),
        ]
    }

    func testResultsRoundTripPlain() throws {
        for result in results {
            let event = try result.sign(with: F.provider, createdAt: F.t0)
            XCTAssertEqual(event.kind, 6900)
            XCTAssertNoThrow(try event.validate(now: F.t0))
            XCTAssertEqual(event.referencedEventIDs, [plain.requestID])
            XCTAssertEqual(event.referencedPubkeys, [F.tenant.publicKey.hex])
            XCTAssertEqual(try ComputeResult.parse(event), result)
        }
    }

    /// A refusal quotes the request; what it quotes must not carry control characters onto relays.
    func testStatusTextsArePublishable() throws {
        let hostile = "image \u{1b}[31mred\u{07}\nline\u{202E}txt\u{0}end 👩\u{200D}💻 é"
        let event = try ComputeFeedback.error(plain, message: hostile, code: .invalidRequest).sign(with: F.provider, createdAt: F.t0)
        let text = try XCTUnwrap(event.tags.first { $0.first == "status" }?[2])
        XCTAssertEqual(text, "image \\u{1b}[31mred\\u{7}\\u{a}line\\u{202e}txt\\u{0}end 👩\u{200D}💻 é")
        XCTAssertFalse(text.unicodeScalars.contains { $0.properties.generalCategory == .control })
        let long = ComputeStatusText.publishable(String(repeating: "\u{1}", count: 1_000))
        XCTAssertLessThanOrEqual(long.count, ComputeStatusText.maximumLength)
        XCTAssertTrue(long.hasSuffix("…"))
        let result = try ComputeResult.ended(plain, reason: .failed, message: "exit\u{1b}").sign(with: F.provider, createdAt: F.t0)
        XCTAssertEqual(result.tags.first { $0.first == "status" }?[2], "exit\\u{1b}")
    }

    func testEncryptionOfARequestIsReadFromItsShape() throws {
        let provider = SecretKey.generate()
        let tags = "[[\"param\",\"image\",\"busybox\"]]"
        let nip44 = try NIP44.encrypt(tags, secretKey: F.tenant, peer: provider.publicKey)
        let nip04 = try NIP04.encrypt(tags, secretKey: F.tenant, peer: provider.publicKey)
        func request(_ content: String, _ tags: [[String]]) throws -> NostrEvent {
            try EventBuilder(kind: 5900, content: content, tags: tags).sign(with: F.tenant)
        }
        XCTAssertEqual(ComputeEncryption.of(try request(nip44, [["p", provider.publicKey.hex], ["encrypted"]])), .nip44)
        XCTAssertEqual(ComputeEncryption.of(try request(nip04, [["p", provider.publicKey.hex], ["encrypted"]])), .nip04)
        XCTAssertNil(ComputeEncryption.of(try request("", [["param", "image", "busybox"]])), "not marked encrypted")
        // Marked but unreadable: answered as NIP-44, the draft's default.
        XCTAssertEqual(ComputeEncryption.of(try request("not a payload", [["encrypted"]])), .nip44)
    }

    func testRefundTokenStaysOutOfLogs() {
        let result = ComputeResult.ended(plain, reason: .providerStopped, refund: ComputeRefund(msats: 1_000, cashuToken: F.cashuToken))
        for text in [String(describing: result), String(reflecting: result), { var s = ""; dump(result, to: &s); return s }()] {
            XCTAssertFalse(text.contains(F.cashuToken), text)
        }
    }

    func testEndedStatusFollowsReason() {
        XCTAssertEqual(ComputeResult.ended(plain, reason: .durationEnded).status, .completed)
        XCTAssertEqual(ComputeResult.ended(plain, reason: .exited).status, .completed)
        for reason: ComputeEndReason in [.unpaid, .bidExpired, .cancelled, .failed, .providerStopped, .policyViolation, "new"] {
            XCTAssertEqual(ComputeResult.ended(plain, reason: reason).status, .terminated, reason.rawValue)
        }
    }

    func testBidTotalsAndExpiration() throws {
        XCTAssertEqual(bid.tranches, 7, "3601 s at 600 s per tranche")
        XCTAssertEqual(bid.totalMsats, 2_464_014)
        let event = try ComputeResult.bid(plain, bid).sign(with: F.provider, createdAt: F.t0)
        XCTAssertEqual(event.expiration, F.t0 + 300, "relays drop a lapsed bid (NIP-40)")
        XCTAssertEqual(event.firstTagValue("total"), "2464014")
        XCTAssertEqual(event.firstTagValue("amount"), "352002")
        XCTAssertNil(ComputeBid(pricePerIntervalMsats: .max, intervalSeconds: 1, graceSeconds: 0, durationSeconds: 2, expiresAt: 0, rail: .cashu).totalMsats)
    }

    func testResultsRoundTripEncrypted() throws {
        for scheme in ComputeEncryption.allCases {
            let context = sealed(scheme)
            for var result in results {
                result.context = context
                let event = try result.sign(with: F.provider, createdAt: F.t0)
                XCTAssertTrue(event.hasTag("encrypted"))
                XCTAssertFalse(event.hasTag("status"), "status is sealed")
                XCTAssertEqual(event.content.contains("?iv="), scheme == .nip04)
                XCTAssertEqual(Set(event.tags.compactMap(\.first)), result.bid == nil ? ["e", "p", "encrypted"] : ["e", "p", "encrypted", "expiration"])
                XCTAssertEqual(try ComputeResult.parse(event, key: F.tenant), result, "the tenant reads it")
                XCTAssertEqual(try ComputeResult.parse(event, key: F.provider), result, "the provider reads its own")
                XCTAssertThrowsError(try ComputeResult.parse(event)) { XCTAssertEqual($0 as? ComputeEventError, .missingKey) }
                XCTAssertThrowsError(try ComputeResult.parse(event, key: F.other)) { XCTAssertEqual($0 as? ComputeEventError, .decryption) }
            }
        }
    }

    func testEncryptedAnswerNeedsTheProviderKey() {
        XCTAssertThrowsError(try ComputeResult.provisioning(sealed(.nip44), paidUntil: nil).eventBuilder()) {
            XCTAssertEqual($0 as? ComputeEventError, .missingKey)
        }
        XCTAssertNoThrow(try ComputeResult.provisioning(plain, paidUntil: nil).eventBuilder(), "plain answers need no key to build")
    }

    func testResultParseRejectsIncompleteEvents() {
        let cases: [([[String]], ComputeEventError)] = [
            ([["p", F.tenant.publicKey.hex], ["status", "running"], ["paid-until", "1"]], .missingTag),
            ([["e", plain.requestID], ["status", "running"], ["paid-until", "1"]], .missingTag),
            ([["e", plain.requestID], ["p", F.tenant.publicKey.hex]], .missingTag),
            ([["e", plain.requestID], ["p", F.tenant.publicKey.hex], ["status", "dancing"]], .invalidTag),
            ([["e", plain.requestID], ["p", F.tenant.publicKey.hex], ["status", "running"]], .missingTag),
            ([["e", plain.requestID], ["p", F.tenant.publicKey.hex], ["status", "running"], ["paid-until", "soon"]], .invalidTag),
            ([["e", plain.requestID], ["p", F.tenant.publicKey.hex], ["status", "running"], ["paid-until", "1"], ["endpoint", "h", "99999", "tcp"]], .invalidTag),
            ([["e", plain.requestID], ["p", F.tenant.publicKey.hex], ["status", "terminated"]], .missingTag),
            ([["e", plain.requestID], ["p", F.tenant.publicKey.hex], ["status", "bid"], ["rail", "lightning"], ["price", "1"]], .missingTag),
        ]
        for (tags, expected) in cases {
            XCTAssertThrowsError(try ComputeResult.parse(F.sign(6900, tags, by: F.provider, at: F.t0)), "\(tags)") {
                XCTAssertEqual($0 as? ComputeEventError, expected, "\($0)")
            }
        }
        XCTAssertThrowsError(try ComputeResult.parse(F.sign(7000, [], by: F.provider, at: F.t0))) { XCTAssertEqual($0 as? ComputeEventError, .wrongKind) }
    }

    var terms: ComputeCashuTerms { ComputeCashuTerms(mints: [ComputeMint(url: F.mint), ComputeMint(url: "https://mint.example.org", unit: "msat")], p2pk: F.p2pk) }

    var feedbacks: [ComputeFeedback] {
        [
            .paymentRequired(plain, amountMsats: 352_002, bolt11: F.bolt11First, tranche: 0, message: "pay to start"),
            .paymentRequired(plain, amountMsats: 2_001, bolt11: nil, cashu: terms, tranche: 3),
            .paymentRequired(plain, amountMsats: 2_001, bolt11: F.bolt11Second, cashu: terms, tranche: 1),
            .processing(plain),
            .processing(plain, message: "payment received"),
            .error(plain, message: "memory \"8GB\" is not a Kubernetes memory quantity", code: .invalidRequest),
            .error(plain, message: "image registry quay.io is not allowed here", code: .policy),
            .error(plain, message: "something broke"),
            .success(plain, message: "lease completed"),
            .processing(plain, paidUntil: F.t0 + 620, message: "Payment received"),
            .ended(plain, reason: .unpaid),
            .ended(plain, reason: .durationEnded, message: "The requested duration of 600 s is over."),
        ]
    }

    func testFeedbackRoundTripPlainAndEncrypted() throws {
        for var feedback in feedbacks {
            let event = try feedback.sign(with: F.provider, createdAt: F.t0)
            XCTAssertEqual(event.kind, 7000)
            XCTAssertEqual(try ComputeFeedback.parse(event), feedback)
            for scheme in ComputeEncryption.allCases {
                feedback.context = sealed(scheme)
                let sealedEvent = try feedback.sign(with: F.provider, createdAt: F.t0)
                XCTAssertFalse(sealedEvent.hasTag("amount"), "invoices are sealed too")
                XCTAssertEqual(try ComputeFeedback.parse(sealedEvent, key: F.tenant), feedback)
            }
        }
    }

    func testTheEndIsSuccessOrAnErrorWithTheSameReasonForNIP90Clients() throws {
        let success = try ComputeFeedback.ended(plain, reason: .exited).sign(with: F.provider)
        XCTAssertEqual(success.tags(named: "status"), [["status", "success"]])
        let error = try ComputeFeedback.ended(plain, reason: .cancelled).sign(with: F.provider)
        XCTAssertEqual(error.firstTagValue("status"), "error")
        XCTAssertEqual(error.firstTagValue("reason"), "cancelled")
        XCTAssertNotNil(error.tags(named: "status").first?.dropFirst(2).first, "an error always says what happened")
        let processing = try ComputeFeedback.processing(plain, paidUntil: F.t0 + 620).sign(with: F.provider)
        XCTAssertEqual(processing.firstTagValue("paid-until"), String(F.t0 + 620))
    }

    func testAnAnswerSentTwiceIsTheSameEventEvenEncrypted() throws {
        for scheme in ComputeEncryption.allCases {
            let one = try ComputeResult.bid(sealed(scheme), bid).sign(with: F.provider, createdAt: F.t0)
            let two = try ComputeResult.bid(sealed(scheme), bid).sign(with: F.provider, createdAt: F.t0)
            XCTAssertEqual(one.id, two.id, "\(scheme): a re-sent answer is the same event, which relays keep once")
            var other = bid
            other.pricePerIntervalMsats += 1
            let three = try ComputeResult.bid(sealed(scheme), other).sign(with: F.provider, createdAt: F.t0)
            XCTAssertNotEqual(three.content, one.content)
            XCTAssertEqual(try ComputeResult.parse(three, key: F.tenant).bid, other)
        }
    }

    func testGenericNIP90ClientSeesStatusAndAmount() throws {
        let event = try ComputeFeedback.paymentRequired(plain, amountMsats: 352_002, bolt11: F.bolt11First, tranche: 0).sign(with: F.provider)
        XCTAssertEqual(event.tags(named: "status"), [["status", "payment-required"]])
        XCTAssertEqual(event.tags(named: "amount"), [["amount", "352002", F.bolt11First]])
        XCTAssertEqual(event.tags(named: "e"), [["e", plain.requestID, "wss://relay.damus.io"]])
    }

    func testFeedbackParseRejectsUnpayablePaymentRequired() {
        let base: [[String]] = [["e", plain.requestID], ["p", F.tenant.publicKey.hex], ["status", "payment-required"]]
        for (extra, expected) in [([[String]](), ComputeEventError.missingTag), ([["amount", "1000"]], .invalidTag), ([["amount", "lots", "lnbc1"]], .invalidTag),
                                  ([["amount", "1000"], ["mint", F.mint, "sat"]], .missingTag), ([["amount", "1000"], ["mint", "ftp://x"], ["p2pk", F.p2pk]], .invalidTag),
                                  ([["amount", "1000"], ["mint", F.mint], ["p2pk", F.tenant.publicKey.hex]], .invalidTag)] {
            XCTAssertThrowsError(try ComputeFeedback.parse(F.sign(7000, base + extra, by: F.provider, at: F.t0)), "\(extra)") {
                XCTAssertEqual($0 as? ComputeEventError, expected, "\($0)")
            }
        }
    }

    var offer: ComputeOffer {
        ComputeOffer(
            identifier: "eu-central-1", region: "eu-central",
            capacity: ComputeCapacity(cpuMillicoresFree: 58_500, cpuMillicoresTotal: 64_000, memoryBytesFree: 223 << 30, memoryBytesTotal: 256 << 30,
                                      gpus: [ComputeGPUCapacity(model: "NVIDIA-A100-SXM4-40GB", free: 0, total: 2), ComputeGPUCapacity(model: F.gpuModel, free: 3, total: 4)],
                                      disk: ComputeDiskCapacity(freeBytes: 1_800 << 30, totalBytes: 2_000 << 30)),
            prices: ComputePrices(msatsPerCpuHour: 20_000, msatsPerGiBHour: 2_000, msatsPerGpuHour: [F.gpuModel: 2_000_000, "NVIDIA-A100-SXM4-40GB": 1_200_000],
                                  msatsPerDiskGiBHour: 100),
            intervalSeconds: 600, graceSeconds: 60, rails: [.lightning, .cashu], cashu: terms, maxDurationSeconds: 604_800, maxGPUsPerLease: 4,
            allowedRegistries: ["ghcr.io", "docker.io/library"], categories: ["inference", "training"], portRange: 1_024...65_535,
            labels: ["tier": "homelab", "network": "1gbit"], invoiceLeadSeconds: 120, bidLifetimeSeconds: 300, relays: ["wss://relay.damus.io", "wss://nos.lol"], replyRelays: 3, refunds: "none",
            defaultDiskBytes: 10 << 30, maxDiskBytes: 100 << 30, expiration: F.t0 + 7_200, about: "Homelab rack")
    }

    func testOfferRoundTrip() throws {
        let event = try offer.sign(with: F.provider, createdAt: F.t0)
        XCTAssertEqual(event.kind, 31900)
        XCTAssertEqual(event.coordinate, EventCoordinate(kind: 31900, pubkey: F.provider.publicKey.hex, identifier: "eu-central-1"))
        XCTAssertEqual(event.expiration, F.t0 + 7_200)
        XCTAssertEqual(try ComputeOffer.parse(event), offer)
        let minimal = ComputeOffer(identifier: "x", capacity: ComputeCapacity(cpuMillicoresFree: 0, cpuMillicoresTotal: 1_000, memoryBytesFree: 0, memoryBytesTotal: 1 << 30),
                                   prices: ComputePrices(msatsPerCpuHour: 1, msatsPerGiBHour: 1), intervalSeconds: 60, graceSeconds: 0, rails: [.lightning])
        XCTAssertEqual(try ComputeOffer.parse(try minimal.sign(with: F.provider)), minimal)
    }

    func testOfferListsItsWorkloadCategoriesAndAReaderSkipsMalformedOnes() throws {
        let tags = offer.eventBuilder().tags
        XCTAssertEqual(tags.filter { $0.first == "category" }, [["category", "inference"], ["category", "training"]])
        let odd = F.sign(31900, tags + [["category", "Not A Category"], ["category", "ci-build"]], by: F.provider, at: F.t0)
        XCTAssertEqual(try ComputeOffer.parse(odd).categories, ["inference", "training", "ci-build"])
    }

    func testOfferAnnouncesDiskPriceCapacityAndPerLeaseAmounts() throws {
        let tags = offer.eventBuilder().tags
        XCTAssertTrue(tags.contains(["capacity", "disk", String(1_800 << 30), String(2_000 << 30)]))
        XCTAssertTrue(tags.contains(["price", "disk", "100"]))
        XCTAssertTrue(tags.contains(["default-disk", String(10 << 30)]))
        XCTAssertTrue(tags.contains(["max-disk", String(100 << 30)]))
        // An offer from before disk was priced: no disk capacity or amounts, and disk costs nothing.
        let older = F.sign(31900, tags.filter { !($0.count > 1 && $0[1] == "disk") && $0.first != "default-disk" && $0.first != "max-disk" },
                           by: F.provider, at: F.t0)
        let parsed = try ComputeOffer.parse(older)
        XCTAssertNil(parsed.capacity.disk)
        XCTAssertEqual(parsed.prices.msatsPerDiskGiBHour, 0)
        XCTAssertNil(parsed.defaultDiskBytes)
        XCTAssertNil(parsed.maxDiskBytes)
        XCTAssertThrowsError(try ComputeOffer.parse(F.sign(31900, tags.filter { $0.first != "max-disk" } + [["max-disk", "100Gi"]], by: F.provider, at: F.t0)),
                             "offers give bytes as numbers")
    }

    func testOfferTagsAreStableForDeduplication() {
        XCTAssertEqual(offer.eventBuilder().tags, offer.eventBuilder().tags)
        var shuffled = offer
        shuffled.capacity.gpus.reverse()
        XCTAssertEqual(shuffled.eventBuilder().tags, offer.eventBuilder().tags, "GPU order does not change the event")
    }

    func testOfferParseRejectsIncompleteOffers() {
        let full = offer.eventBuilder().tags
        for (drop, expected) in [("d", ComputeEventError.missingTag), ("capacity", .missingTag), ("price", .missingTag), ("rail", .missingTag),
                                 ("interval", .missingTag), ("mint", .missingTag)] {
            XCTAssertThrowsError(try ComputeOffer.parse(F.sign(31900, full.filter { $0.first != drop }, by: F.provider, at: F.t0)), drop) {
                XCTAssertEqual($0 as? ComputeEventError, expected, "\($0)")
            }
        }
        XCTAssertThrowsError(try ComputeOffer.parse(F.sign(31900, full.filter { $0.first != "ports" } + [["ports", "9000", "80"]], by: F.provider, at: F.t0)))
        XCTAssertThrowsError(try ComputeOffer.parse(F.sign(31900, full.filter { $0.first != "p2pk" }, by: F.provider, at: F.t0)))
        // An unknown rail from a newer provider is skipped, not fatal.
        XCTAssertEqual(try ComputeOffer.parse(F.sign(31900, full + [["rail", "ark"]], by: F.provider, at: F.t0)).rails, [.lightning, .cashu])
    }

    func testCancellation() throws {
        let request = String(repeating: "ef", count: 32)
        let event = try ComputeCancellation.eventBuilder(requestID: request, reason: "done").sign(with: F.tenant)
        XCTAssertEqual(event.kind, 5)
        XCTAssertEqual(event.tags, [["e", request], ["k", "5900"]])
        XCTAssertEqual(ComputeCancellation.requestIDs(in: event), [request])
        XCTAssertEqual(ComputeCancellation.requestIDs(in: F.sign(5, [["e", "not-hex"], ["a", "31900:x:y"]], by: F.tenant, at: F.t0)), [])
        XCTAssertEqual(ComputeCancellation.requestIDs(in: F.sign(1, [["e", request]], by: F.tenant, at: F.t0)), [])
    }

    func testNutzap() {
        let request = String(repeating: "ef", count: 32)
        let tags = [["proof", #"{"amount":1}"#], ["proof", #"{"amount":2}"#], ["u", F.mint], ["e", request, "wss://relay.damus.io"], ["p", F.provider.publicKey.hex]]
        let nutzap = ComputeNutzap(event: F.sign(9321, tags, by: F.tenant, at: F.t0))
        XCTAssertEqual(nutzap?.requestID, request)
        XCTAssertEqual(nutzap?.recipient, F.provider.publicKey.hex)
        XCTAssertEqual(nutzap?.sender, F.tenant.publicKey.hex)
        XCTAssertEqual(nutzap?.mint, F.mint)
        XCTAssertEqual(nutzap?.unit, "sat")
        XCTAssertEqual(nutzap?.proofs.count, 2)
        XCTAssertEqual(ComputeNutzap(event: F.sign(9321, tags + [["unit", "msat"]], by: F.tenant, at: F.t0))?.unit, "msat")
        for missing in ["proof", "u", "e", "p"] {
            XCTAssertNil(ComputeNutzap(event: F.sign(9321, tags.filter { $0.first != missing }, by: F.tenant, at: F.t0)), missing)
        }
        XCTAssertNil(ComputeNutzap(event: F.sign(9735, tags, by: F.tenant, at: F.t0)))
    }

    func testRating() throws {
        let rating = ComputeRating(requestID: String(repeating: "ef", count: 32), provider: F.provider.publicKey.hex, rating: 4, uptime: "0.95",
                                   attestations: [["gpu-model", F.gpuModel, ""]], reports: [["no-delivery", "ssh never answered"]], comment: "meh")
        XCTAssertEqual(try ComputeRating.parse(try rating.eventBuilder().sign(with: F.tenant)), rating)
        let base = [["e", rating.requestID], ["p", rating.provider]]
        for bad in [["rating", "6"], ["rating", "0"], ["uptime", "1.5"], ["uptime", "most"]] {
            XCTAssertThrowsError(try ComputeRating.parse(F.sign(7900, base + [bad], by: F.tenant, at: F.t0)), "\(bad)")
        }
    }
}
