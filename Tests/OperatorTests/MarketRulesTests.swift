import Billing
import ComputeAPI
import Foundation
import NostrBridge
@testable import Operator
import XCTest

/// The bridge's pure rules: which requests get a bid, and what a lease's state says to announce.
final class MarketRulesTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let providerPubkey = String(repeating: "f", count: 64)

    private func provider(_ change: (inout ComputeProviderSpec) -> Void = { _ in }) -> ComputeProvider {
        var spec = ComputeProviderSpec(
            relays: ["wss://relay.example.com"],
            pricing: Pricing(msatsPerCpuHour: 60_000, msatsPerGiBHour: 6_000, msatsPerGpuHour: ["H100": 3_600_000]),
            payments: PaymentSettings(lightning: LightningRail(backend: .lnbits)),
            policy: WorkloadPolicy(allowedRegistries: ["ghcr.io"], portRange: PortRange(min: 1024, max: 65535),
                                   maxDurationSeconds: 7200, blockedTenants: [String(repeating: "b", count: 64)], maxGPUsPerLease: 2),
            secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
        change(&spec)
        return ComputeProvider(spec: spec)
    }

    private func request(_ change: (inout ComputeRequest) -> Void = { _ in }) -> ComputeRequest {
        var request = ComputeRequest(
            id: String(repeating: "1", count: 64), tenant: String(repeating: "a", count: 64), createdAt: 0, image: "ghcr.io/org/app:1",
            env: [ComputeEnvVar(name: "MODE", value: "fast")], secretEnv: [ComputeEnvVar(name: "TOKEN", value: "s3cret")],
            resources: ComputeResources(cpu: "500m", memory: "2Gi", cpuMillicores: 500, memoryBytes: 2 << 30, gpus: 1, gpuModel: "H100"),
            ports: [ComputePort(port: 8080, protocol: .tcp, name: "http")], durationSeconds: 3600, bidMsats: 10_000_000,
            relays: ["wss://tenant.example.com"], encryption: .nip44)
        change(&request)
        return request
    }

    private func verdict(_ request: ComputeRequest, _ provider: ComputeProvider? = nil) -> RequestVerdict {
        RequestEvaluator.evaluate(request, provider: provider ?? self.provider(), providerPubkey: providerPubkey,
                                  relayHint: "wss://relay.example.com", bidLifetime: 300, secretNamespace: "ncn-system", now: now)
    }

    func testAnAcceptableRequestBecomesALeaseDraftWithItsPriceAndSecretsKeptApart() throws {
        guard case let .bid(draft) = verdict(request()) else { return XCTFail("expected a bid") }
        let spec = draft.lease.spec
        XCTAssertEqual(draft.lease.metadata.name, ComputeLease.name(forRequestEventId: String(repeating: "1", count: 64)))
        // 5000 (cpu) + 2000 (memory) + 600000 (gpu) + 167 (10Gi of disk at the default 100 msats per GiB-hour), rounded up to a sat.
        XCTAssertEqual(spec.pricePerIntervalMsats, 608_000)
        XCTAssertEqual(spec.intervalSeconds, 600)
        XCTAssertEqual(spec.relays, ["wss://tenant.example.com"])
        XCTAssertEqual(spec.bidExpiresAt, Timestamp(now.addingTimeInterval(300)))
        XCTAssertEqual(spec.env?.map(\.name), ["MODE"])
        XCTAssertEqual(spec.envSecretRef?.name, "\(draft.lease.metadata.name!)-env")
        XCTAssertEqual(spec.resources.ephemeralStorage, ComputeDefaults.ephemeralStoragePerLease, "the provider's disk per lease, fixed in the lease")
        XCTAssertEqual(draft.secretEnv, ["TOKEN": "s3cret"])
        XCTAssertFalse(String(describing: spec).contains("s3cret"), "secret values never enter the lease")
        XCTAssertEqual(draft.lease.metadata.annotations?[MarketAnnotations.encryption], "nip44")
        XCTAssertEqual(MarketAnnotations.costs(of: draft.lease).map(\.resource), ["cpu", "memory", "gpu", "disk"])
        XCTAssertEqual(MarketAnnotations.costs(of: draft.lease).map(\.msatsPerInterval), [5_000, 2_000, 600_000, 167])
    }

    /// The wire's limits (`ComputeWireLimits`, what a request may carry) fit inside the lease's
    /// CRD: a request at every limit at once becomes a lease the apiserver's schema accepts, so
    /// nothing a tenant may send makes the bid's create fail.
    func testARequestAtEveryWireLimitMakesALeaseTheCRDAccepts() throws {
        let long = { (prefix: String, count: Int) in prefix + String(repeating: "x", count: count - prefix.count) }
        let wire = ComputeWireLimits.self
        let atLimits = request {
            $0.image = long("ghcr.io/", wire.imageLength.upperBound)
            $0.command = [long("/", wire.argLength)] + Array(repeating: "c", count: wire.commandItems - 1)
            $0.args = [long("-", wire.argLength)] + Array(repeating: "a", count: wire.argItems - 1)
            $0.secretEnv = []
            $0.env = (0..<wire.envVars).map { index in
                ComputeEnvVar(name: long("E\(index)_", wire.envNameLength.upperBound), value: index == 0 ? long("v", wire.envValueLength) : "v")
            }
            $0.resources = ComputeResources(cpu: "4096", memory: "64Ti", cpuMillicores: wire.cpuMillicores.upperBound,
                                            memoryBytes: wire.memoryBytes.upperBound, gpus: wire.gpus.upperBound, gpuModel: "H100",
                                            disk: "64Ti", diskBytes: wire.diskBytes.upperBound)
            $0.ports = (0..<wire.ports).map { ComputePort(port: 50_000 + $0, protocol: .tcp, name: long("p\($0)", wire.portNameLength.upperBound)) }
            $0.durationSeconds = wire.durationSeconds.upperBound
            $0.bidMsats = wire.msats.upperBound
            $0.relays = [long("wss://relay.example.com/", wire.relayURLLength)]
                + (1..<wire.relays).map { "wss://relay\($0).example.com" }
        }
        let permissive = provider {
            $0.policy.maxDurationSeconds = wire.durationSeconds.upperBound
            $0.policy.maxGPUsPerLease = wire.gpus.upperBound
            $0.policy.maxEphemeralStoragePerLease = "64Ti"
        }
        guard case let .bid(draft) = verdict(atLimits, permissive) else {
            return XCTFail("expected a bid, got \(verdict(atLimits, permissive))")
        }
        XCTAssertEqual(draft.lease.spec.env?.count, wire.envVars)
        XCTAssertEqual(draft.lease.spec.relays.count, wire.relays)
        XCTAssertEqual(draft.lease.violations(), [])
    }

    func testAProviderListingCategoriesBidsOnlyOnRequestsNamingOneAndTheLeaseKeepsIt() throws {
        let picky = provider { $0.policy.categories = ["inference", "ci-build"] }
        guard case let .reject(unnamed, code) = verdict(request(), picky) else { return XCTFail("expected a refusal") }
        XCTAssertEqual(code, .policy)
        XCTAssertEqual(unnamed, #"this provider runs only some kinds of workload: add ["param","category","<category>"] with one of ci-build, inference"#)
        guard case let .reject(other, _) = verdict(request { $0.category = "training" }, picky) else { return XCTFail("expected a refusal") }
        XCTAssertEqual(other, "this provider does not run training workloads; it runs ci-build, inference")
        guard case let .bid(draft) = verdict(request { $0.category = "ci-build" }, picky) else { return XCTFail("expected a bid") }
        XCTAssertEqual(draft.lease.spec.category, "ci-build")
        XCTAssertEqual(draft.lease.violations(), [])
        // A provider listing none takes any request, named or not.
        guard case .bid = verdict(request { $0.category = "training" }), case .bid = verdict(request()) else { return XCTFail("expected bids") }
    }

    /// The draft's MUST (§3.2, §7.7): a provider never leases without the escrow a request asks for.
    func testAProviderWithoutEscrowRefusesARequestAskingForIt() {
        guard case let .reject(why, code) = verdict(request { $0.escrowArbitrator = String(repeating: "c", count: 64); $0.rail = .cashu }) else {
            return XCTFail("expected a refusal")
        }
        XCTAssertEqual(code, .policy)
        XCTAssertTrue(why.contains("no escrowed payments"), why)

        let arbitrator = String(repeating: "c", count: 64)
        let escrowing = provider {
            $0.payments = PaymentSettings(cashu: CashuRail(mints: ["https://mint.example.com"],
                                                           escrow: EscrowSettings(arbitrators: [arbitrator], disputeWindowSeconds: 900)))
        }
        guard case let .reject(other, _) = verdict(request { $0.escrowArbitrator = String(repeating: "d", count: 64); $0.rail = .cashu }, escrowing) else {
            return XCTFail("expected a refusal of an arbitrator it does not list")
        }
        XCTAssertTrue(other.contains("does not accept arbitrator"), other)
        guard case let .bid(draft) = verdict(request { $0.escrowArbitrator = arbitrator; $0.rail = .cashu }, escrowing) else { return XCTFail("expected a bid") }
        XCTAssertEqual(draft.lease.spec.escrow, LeaseEscrow(arbitrator: arbitrator, disputeWindowSeconds: 900))
        XCTAssertEqual(draft.lease.violations(), [])
        var bidding = draft.lease
        bidding.metadata.creationTimestamp = "2026-01-01T00:00:00Z"
        let bids = LeaseAnnouncements.due(for: bidding, now: now).compactMap { item -> ComputeBid? in
            if case let .bid(bid, _) = item { return bid } else { return nil }
        }
        XCTAssertEqual(bids.first?.escrowArbitrator, arbitrator, "the bid echoes the escrow")
    }

    func testTheWireAndTheLeaseSchemaBoundDiskAlike() {
        XCTAssertEqual(ComputeLimits.ephemeralStorageBytes, ComputeWireLimits.diskBytes, "a disk that parses always fits in a lease")
        XCTAssertEqual(ComputeDefaults.ephemeralStoragePerLease.value, 10 << 30)
        XCTAssertEqual(ComputeDefaults.maxEphemeralStoragePerLease.value, 100 << 30)
    }

    func testDiskIsRequestedPricedAndBoundedByThePolicy() throws {
        let disky = request { $0.resources.disk = "50Gi"; $0.resources.diskBytes = 50 << 30 }
        let pricey = provider { $0.pricing.msatsPerDiskGiBHour = 1_200 }
        guard case let .bid(draft) = verdict(disky, pricey) else { return XCTFail("expected a bid") }
        XCTAssertEqual(draft.lease.spec.resources.ephemeralStorage, "50Gi", "the tenant's amount, as written, fixed in the lease")
        // 1200 msats per GiB-hour × 50 GiB × 600 s / 3600 s = 10000 msats, its own line.
        XCTAssertEqual(draft.quote.diskMsats, 10_000)
        XCTAssertEqual(MarketAnnotations.costs(of: draft.lease).last, ComputeCost(resource: "disk", msatsPerInterval: 10_000))
        XCTAssertEqual(draft.quote.totalMsats, 617_000)

        XCTAssertEqual(verdict(request { $0.resources.disk = "101Gi"; $0.resources.diskBytes = 101 << 30 }),
                       .reject("disk 101Gi is over this provider's maximum of 100Gi per lease; ask for at most 100Gi", .policy))
        let small = provider { $0.policy.maxEphemeralStoragePerLease = "4Gi" }
        XCTAssertEqual(verdict(disky, small), .reject("disk 50Gi is over this provider's maximum of 4Gi per lease; ask for at most 4Gi", .policy))
        guard case let .bid(capped) = verdict(request(), small) else { return XCTFail("expected a bid") }
        XCTAssertEqual(capped.lease.spec.resources.ephemeralStorage, "4Gi", "a per-lease amount over the maximum is capped at it")
        guard case let .bid(exact) = verdict(request { $0.resources.disk = "4Gi"; $0.resources.diskBytes = 4 << 30 }, small) else {
            return XCTFail("the maximum itself is allowed")
        }
        XCTAssertEqual(exact.lease.spec.resources.ephemeralStorage, "4Gi")
    }

    func testEachPolicyBreachIsRefusedWithWhatToFix() {
        let cases: [(ComputeRequest, String, ComputeErrorCode)] = [
            (request { $0.tenant = String(repeating: "b", count: 64) }, "this provider does not serve your pubkey", .policy),
            (request { $0.image = "docker.io/evil/miner" }, "image docker.io/evil/miner is not from a registry this provider allows (ghcr.io)", .policy),
            (request { $0.resources.gpus = 4 }, "4 GPUs requested; this provider rents at most 2 per lease", .policy),
            (request { $0.durationSeconds = 86_400 }, "duration 86400 s is over this provider's maximum of 7200 s", .policy),
            (request { $0.ports = [ComputePort(port: 22)] }, "port 22 is outside the range this provider exposes (1024-65535)", .policy),
            (request { $0.resources.gpuModel = "RTX-4090" }, "GPU model RTX-4090 is not offered by this provider", .policy),
            (request { $0.bidMsats = 1_000 },
             "your bid of 1000 msats is below the price of 3648000 msats for 3600 s (608000 msats per 600 s interval)", .bidTooLow),
            (request { $0.rail = .cashu }, "this provider does not accept cashu payments; use lightning", .policy),
        ]
        for (request, message, code) in cases {
            XCTAssertEqual(verdict(request), .reject(message, code))
        }
    }

    func testRequestsForOtherProvidersAreIgnored() {
        XCTAssertEqual(verdict(request { $0.providers = [String(repeating: "e", count: 64)] }), .ignore)
        guard case .bid = verdict(request { $0.providers = [providerPubkey] }) else { return XCTFail("addressed to us") }
    }

    func testAnnouncementsFollowTheLeaseFromBidToRunning() throws {
        guard case let .bid(draft) = verdict(request()) else { return XCTFail("expected a bid") }
        var lease = draft.lease
        XCTAssertEqual(LeaseAnnouncements.due(for: lease, now: now).map(\.key), ["bid"])

        let invoice = LedgerInvoice(tranche: 0, paymentHash: String(repeating: "c", count: 64), bolt11: "lnbcrt6070n1x", amountMsats: 607_000,
                                    issuedAt: Timestamp(now), expiresAt: Timestamp(now.addingTimeInterval(300)))
        lease.status = ComputeLeaseStatus(ledger: LedgerSummary(invoices: [invoice]))
        XCTAssertEqual(LeaseAnnouncements.due(for: lease, now: now).map(\.key), ["bid", "invoice:0:cccccccc"])
        // An expired invoice is no longer announced; the bid lapses with its expiry.
        XCTAssertEqual(LeaseAnnouncements.due(for: lease, now: now.addingTimeInterval(301)).map(\.key), [])

        let paidUntil = now.addingTimeInterval(600)
        lease.status = ComputeLeaseStatus(phase: .provisioning, paidUntil: Timestamp(paidUntil))
        XCTAssertEqual(LeaseAnnouncements.due(for: lease, now: now).map(\.key), ["processing:1800000600", "provisioning:1800000600"],
                       "a payment is confirmed to NIP-90 clients (7000 processing), then provisioning")
        lease.status = ComputeLeaseStatus(phase: .running, paidUntil: Timestamp(paidUntil),
                                          endpoints: [LeaseEndpoint(name: "http", host: "203.0.113.7", port: 31080)])
        let running = LeaseAnnouncements.due(for: lease, now: now)
        XCTAssertEqual(running.count, 2)
        XCTAssertTrue(running[1].key.hasPrefix("running:"))
        var moved = lease
        moved.status?.setEndpoints([LeaseEndpoint(name: "http", host: "203.0.113.7", port: 31081)])
        XCTAssertNotEqual(LeaseAnnouncements.due(for: moved, now: now)[1].key, running[1].key, "a changed endpoint is announced again")
        var renewed = lease
        renewed.status?.paidUntil = Timestamp(paidUntil.addingTimeInterval(600))
        let afterRenewal = LeaseAnnouncements.due(for: renewed, now: now).map(\.key)
        XCTAssertEqual(afterRenewal.count, 2)
        XCTAssertFalse(afterRenewal.contains(running[0].key), "a renewal is confirmed again (processing)")
        XCTAssertFalse(afterRenewal.contains(running[1].key), "and running is re-sent with the new paid-until")

        lease.status?.phase = .expired
        XCTAssertEqual(LeaseAnnouncements.due(for: lease, now: now), [], "the end is the finalizer's to announce")
    }

    func testCashuLeasesAreAskedForTheNextTrancheWhenDue() {
        guard case let .bid(draft) = verdict(request { $0.rail = .cashu }, provider { $0.payments.cashu = CashuRail(mints: ["https://mint.example.com"]) })
        else { return XCTFail("expected a bid") }
        var lease = draft.lease
        XCTAssertEqual(LeaseAnnouncements.due(for: lease, now: now).map(\.key), ["bid", "cashu:0"])
        let paid = Condition(type: .paid, status: .true, reason: "TranchePaid", message: "", lastTransitionTime: Timestamp(now))
        lease.status = ComputeLeaseStatus(conditions: [paid], paidUntil: Timestamp(now.addingTimeInterval(600)),
                                          ledger: LedgerSummary(tranchesPaid: 1, state: .funded))
        XCTAssertFalse(LeaseAnnouncements.due(for: lease, now: now).map(\.key).contains { $0.hasPrefix("cashu:") })
        lease.status?.ledger?.state = .invoiceDue
        XCTAssertEqual(LeaseAnnouncements.due(for: lease, now: now).map(\.key).filter { $0.hasPrefix("cashu:") }, ["cashu:1"])
        // Nothing is asked for past the requested duration (3600 s here).
        lease.status?.paidUntil = Timestamp(now.addingTimeInterval(3600))
        XCTAssertFalse(LeaseAnnouncements.due(for: lease, now: now).map(\.key).contains { $0.hasPrefix("cashu:") })
    }

    func testACreditSaysWherePaymentsStandSoCashuIsNotAskedForAtOnce() throws {
        let terms = try BillingTerms(intervalSeconds: 600, graceSeconds: 60, invoiceLeadSeconds: 120, pricePerIntervalMsats: 1_000)
        var status = ComputeLeaseStatus(paidUntil: Timestamp(now.addingTimeInterval(100)), ledger: LedgerSummary(tranchesPaid: 1, state: .invoiceDue))
        _ = LedgerBook.credit(id: "cashu:x", rail: .cashu, msats: 1_000, in: &status, terms: terms, now: now)
        XCTAssertEqual(status.ledger?.state, .funded, "paid until now + 700 s: the next tranche is due in 580 s, not now")
    }

    func testOnlyPublicRelaysOfTheRequestGetAnswersAndOnlyAFew() {
        let settings = ReplyRelaySettings(maxPerRequest: 2)
        XCTAssertEqual(ReplyRelayRule.extraRelays(
            requested: ["wss://relay.example.com/", "ws://127.0.0.1:7000", "wss://a.example.org", "wss://[::1]:443", "wss://10.1.2.3",
                        "wss://relay.local", "wss://b.example.org", "wss://c.example.org"],
            own: ["wss://relay.example.com"], settings: settings), ["wss://a.example.org", "wss://b.example.org"])
        for url in ["http://a.example.org", "wss://localhost:7000", "wss://169.254.169.254", "wss://[fd00::1]", "wss://[::ffff:10.0.0.1]",
                    "wss://2130706433", "wss://127.1", "wss://user:pw@a.example.org", "wss://metadata.google.internal", "wss://0.0.0.0"] {
            XCTAssertFalse(ReplyRelayRule.accepts(url, settings: settings), url)
        }
        for url in ["wss://relay.damus.io", "ws://203.0.113.9:7777", "wss://[2001:db8::1]"] {
            XCTAssertTrue(ReplyRelayRule.accepts(url, settings: settings), url)
        }
        XCTAssertTrue(ReplyRelayRule.accepts("ws://127.0.0.1:17002", settings: ReplyRelaySettings(allowPrivateAddresses: true)))
        XCTAssertEqual(ReplyRelayRule.extraRelays(requested: ["wss://a.example.org"], own: [], settings: ReplyRelaySettings(maxPerRequest: 0)), [])
    }

    func testFinalReasonsMapToTheDraftsWords() {
        var lease = ComputeLease(name: "l", spec: draftSpec())
        lease.status = ComputeLeaseStatus(phase: .succeeded, terminationReason: .workloadExited)
        XCTAssertEqual(MarketBridge.endReason(LeaseFinalRecord(lease: lease)), .exited)
        lease.status = ComputeLeaseStatus(phase: .failed, terminationReason: .workloadExited)
        XCTAssertEqual(MarketBridge.endReason(LeaseFinalRecord(lease: lease)), .failed)
        lease.status = ComputeLeaseStatus(phase: .expired, terminationReason: .paymentLapsed)
        XCTAssertEqual(MarketBridge.endReason(LeaseFinalRecord(lease: lease)), .unpaid)
        lease.status = ComputeLeaseStatus(phase: .terminated, terminationReason: .tenantCancelled)
        XCTAssertEqual(MarketBridge.endReason(LeaseFinalRecord(lease: lease)), .cancelled)
    }

    private func draftSpec() -> ComputeLeaseSpec {
        guard case let .bid(draft) = verdict(request()) else { fatalError("fixture must bid") }
        return draft.lease.spec
    }

    /// The CRD's pattern for a category (what the apiserver admits into spec.policy.categories)
    /// and the wire's rule (what a request may name) are two spellings of one grammar.
    func testTheCRDPatternAndTheWireRuleForCategoriesAgree() throws {
        let pattern = try NSRegularExpression(pattern: Patterns.workloadCategory)
        let samples = ["inference", "ci-build", "a", "a1-b2-c3", String(repeating: "x", count: 32), String(repeating: "x", count: 33), "", "-x", "x-", "a--b", "CI", "ci build",
                       "ci_build", "é", "ci-", "9", "a-9"]
        for sample in samples {
            let range = NSRange(sample.startIndex..., in: sample)
            let matches = pattern.firstMatch(in: sample, range: range) != nil && sample.utf8.count <= 32
            XCTAssertEqual(ComputeCategory.isValid(sample), matches, sample)
        }
    }
}
