import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import Operator
import Synchronization
import XCTest

/// The market inside the `ncn-operator` executable, on the test bed's relay: a request gets a bid
/// and a payment-required with a real LNbits bolt11; paying it provisions the lease; a bad request
/// gets a precise error; a timestamping 5900 gets nothing; a cancellation ends the lease.
final class MarketBinaryTests: XCTestCase {
    private let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    private var kubectl: CRDKubectl!
    private var created: [String] = []
    private var node: String { "it-market-\(suffix)" }
    private var gpuModel: String { "IT-MARKET-\(suffix)".uppercased() }

    override func tearDown() {
        for lease in created {
            _ = try? kubectl?.execute(["patch", "computelease", lease, "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#])
            _ = try? kubectl?.execute(["delete", "computelease", lease, "--ignore-not-found", "--wait=false"])
        }
        _ = try? kubectl?.execute(["delete", "node", node, "--ignore-not-found", "--wait=false"])
        super.tearDown()
    }

    func testARequestIsBidInvoicedPaidAndCancelledAndBadOnesAreAnsweredPrecisely() async throws {
        let bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        try bed.testbed("node", node, "--cpu", "8", "--memory", "32Gi", "--gpus", "2", "--gpu-model", gpuModel)
        let relay = try bed.require("NCN_RELAY_SDK_URL")
        let providerKey = SecretKey.generate()
        let tenant = SecretKey.generate()

        try await bed.withKubernetes { admin in
            var secret = Secret(metadata: ObjectMeta(name: "ncn-provider", namespace: "ncn-system"))
            secret.stringData = [
                ComputeProvider.SecretKeys.nsec: providerKey.exportHex(),
                ComputeProvider.SecretKeys.lnbitsURL: try bed.require("NCN_LNBITS_URL"),
                ComputeProvider.SecretKeys.lnbitsInvoiceKey: try bed.require("NCN_LNBITS_PROVIDER_INKEY"),
            ]
            _ = try await admin.apply(secret, fieldManager: "it-market-\(suffix)")
            let spec = ComputeProviderSpec(
                relays: [relay], pricing: Pricing(msatsPerCpuHour: 60_000, msatsPerGiBHour: 6_000, msatsPerGpuHour: [gpuModel: 3_600_000]),
                billing: BillingSettings(intervalSeconds: 600, graceSeconds: 60, invoiceLeadSeconds: 120),
                payments: PaymentSettings(lightning: LightningRail(backend: .lnbits)),
                secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
            _ = try await admin.apply(ComputeProvider(spec: spec), fieldManager: "it-market-\(suffix)")
            let kubeconfig = try await admin.operatorKubeconfig()
            let running = try OperatorProcess(arguments: OperatorProcess.standaloneArguments(kubeconfig: kubeconfig, ["--payment-poll-interval", "500ms"]), podName: "it-market")
            defer { running.kill() }

            let pool = try RelayPool(relays: [relay])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pool.run() }
                defer { group.cancelAll() }
                let answers = try pool.subscribe([Filter(authors: [providerKey.publicKey.hex], kinds: [6900, 7000],
                                                         since: NostrEvent.currentTimestamp() - 5)])
                let inbox = Inbox()
                group.addTask { await inbox.collect(answers) }
                // Give the operator time to connect before publishing (it reads requests since start minus lookback anyway).
                try await Task.sleep(for: .seconds(2))

                // 1. A GPU request: a bid and a payment-required with a bolt11 for the first tranche.
                let request = try EventBuilder(kind: 5900, content: "", tags: [
                    ["param", "image", "busybox:1.36"], ["param", "cpu", "500m"], ["param", "memory", "256Mi"],
                    ["param", "gpus", "1"], ["param", "gpu-model", gpuModel], ["param", "port", "8080", "tcp", "http"],
                    ["param", "duration", "3600"], ["param", "rail", "lightning"], ["bid", "10000000"], ["relays", relay],
                    ["p", providerKey.publicKey.hex],
                ]).sign(with: tenant)
                let published = Date()
                _ = await pool.publish(request)
                created.append(ComputeLease.name(forRequestEventId: request.id))
                let bid = try await inbox.next(timeout: .seconds(20)) { $0.kind == 6900 && $0.referencedEventIDs.contains(request.id) }
                let bidLatency = Date().timeIntervalSince(published)
                let parsedBid = try ComputeResult.parse(bid)
                XCTAssertEqual(parsedBid.status, .bid)
                XCTAssertEqual(parsedBid.bid?.pricePerIntervalMsats, 606_000)
                XCTAssertEqual(parsedBid.bid?.costs.map(\.msatsPerInterval), [5_000, 250, 600_000, 167],
                               "0.5 core, 256 MiB, one GPU and the default 10Gi of disk for 10 minutes")
                let payment = try await inbox.next(timeout: .seconds(20)) { $0.kind == 7000 && $0.referencedEventIDs.contains(request.id) }
                let feedback = try ComputeFeedback.parse(payment)
                XCTAssertEqual(feedback.status, .paymentRequired)
                XCTAssertEqual(feedback.amountMsats, 606_000)
                let bolt11 = try XCTUnwrap(feedback.bolt11)
                print("request→bid latency: \(bidLatency) s")

                // The same request again gets nothing new: one request, one lease, one bid.
                _ = await pool.publish(request)

                let paidAt = Date()
                let paid = try await bed.tenantPaysWithLNbits(bolt11)
                XCTAssertTrue((200..<300).contains(paid.status), paid.body)
                let pod = try await eventually("the pod to be created", timeout: .seconds(20)) { () -> Pod? in
                    try? await admin.leasePod(ComputeLease.name(forRequestEventId: request.id))
                }
                print("payment→pod latency: \(Date().timeIntervalSince(paidAt)) s")
                XCTAssertEqual(pod.spec?.nodeName ?? node, node)
                // The provider's offer, fetched by nostr-sdk by kind, author and d, counts the GPU the lease took.
                let sdk = try NostrSDKReference(bed: bed)
                let offered = try await eventually("the offer to show one GPU taken", timeout: .seconds(30), every: .seconds(1)) { () -> ComputeOffer? in
                    let answer = try sdk.call([["op": "fetch_addressable", "relay": relay, "kind": 31900, "pubkey": providerKey.publicKey.hex,
                                                "identifier": "default", "timeout": 3]])[0]
                    let events = answer["events"] as? [[String: Any]] ?? []
                    guard events.count == 1 else { return nil }
                    let event = try JSONDecoder().decode(NostrEvent.self, from: try JSONSerialization.data(withJSONObject: events[0]))
                    let offer = try ComputeOffer.parse(event)
                    return offer.capacity.gpus.first { $0.model == self.gpuModel }?.free == 1 ? offer : nil
                }
                XCTAssertEqual(offered.capacity.gpus.first { $0.model == gpuModel }?.total, 2)
                let provisioning = try await inbox.next(timeout: .seconds(20)) {
                    $0.kind == 6900 && $0.referencedEventIDs.contains(request.id) && (try? ComputeResult.parse($0).status) == .provisioning
                }
                XCTAssertNotNil(provisioning)

                // 2. A request the provider cannot serve: a precise error, and no lease.
                let bad = try EventBuilder(kind: 5900, content: "", tags: [
                    ["param", "image", "busybox:1.36"], ["param", "cpu", "1"], ["param", "memory", "1Gi"],
                    ["param", "gpus", "1"], ["param", "gpu-model", "NO-SUCH-GPU"], ["param", "duration", "600"], ["bid", "999999999"],
                    ["relays", relay],
                ]).sign(with: tenant)
                _ = await pool.publish(bad)
                let refusal = try ComputeFeedback.parse(try await inbox.next(timeout: .seconds(20)) { $0.kind == 7000 && $0.referencedEventIDs.contains(bad.id) })
                XCTAssertEqual(refusal.status, .error)
                XCTAssertEqual(refusal.message, "GPU model NO-SUCH-GPU is not offered by this provider")

                // 3. A timestamping request (kind 5900 without a compute spec): silence, no lease.
                let stamp = try EventBuilder(kind: 5900, content: "", tags: [["i", String(repeating: "ab", count: 32), "text"]]).sign(with: tenant)
                _ = await pool.publish(stamp)

                // 4. The tenant cancels: the lease ends and the final answer says so.
                let cancel = try ComputeCancellation.eventBuilder(requestID: request.id).sign(with: tenant)
                _ = await pool.publish(cancel)
                let final = try await inbox.next(timeout: .seconds(30)) {
                    $0.kind == 6900 && $0.referencedEventIDs.contains(request.id) && (try? ComputeResult.parse($0).status) == .terminated
                }
                XCTAssertEqual(try ComputeResult.parse(final).reason, .cancelled)
                let seenForStamp = inbox.seen.filter { $0.referencedEventIDs.contains(stamp.id) }
                XCTAssertTrue(seenForStamp.isEmpty, "a timestamping request gets no answer")
                let bids = inbox.seen.filter { $0.kind == 6900 && $0.referencedEventIDs.contains(request.id) && (try? ComputeResult.parse($0).status) == .bid }
                XCTAssertEqual(bids.count, 1, "one bid per request")
                let leases = try await admin.list(ComputeLease.self).items.map { $0.spec.requestEventId }
                XCTAssertFalse(leases.contains(bad.id))
                XCTAssertFalse(leases.contains(stamp.id))
                if running.logText.contains("\"level\":\"error\"") { print(running.logText.suffix(3000)) }
            }
        }
    }
}

/// Events from a subscription, collected as they arrive, so a test can wait for one and later
/// look at all of them.
final class Inbox: Sendable {
    private let events = Mutex<[NostrEvent]>([])

    var seen: [NostrEvent] { events.withLock { $0 } }

    /// Runs in the test's task group until cancelled.
    func collect(_ stream: AsyncStream<RelaySubscriptionEvent>) async {
        for await item in stream {
            if case let .event(event, _) = item { events.withLock { $0.append(event) } }
        }
    }

    func next(timeout: Duration, where matches: @escaping @Sendable (NostrEvent) -> Bool) async throws -> NostrEvent {
        try await eventually("an event from the provider", timeout: timeout, every: .milliseconds(50)) { () -> NostrEvent? in
            self.seen.first(where: matches)
        }
    }
}
