import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import Operator
import XCTest

/// E2E test 5: the provider offer (kind 31900), published by the real publisher from a real
/// inventory (apiserver + scheduler, a fake GPU node of its own) to the real relay, as nostr-sdk
/// fetches it by kind + author + d, before and after a pod takes GPUs.
final class OfferPublisherTests: XCTestCase {
    func testTheOfferIsFetchableByKindAuthorAndDAndFollowsCapacity() async throws {
        let bed = try TestBed.load()
        let setup = try Setup(bed: bed)
        try await bed.withKubernetes { client in
            do {
                try await scenario(setup, client: client, bed: bed)
            } catch {
                try? await client.delete(Node.self, name: setup.nodeName)
                throw error
            }
            try? await client.delete(Node.self, name: setup.nodeName)
        }
    }

    /// Names of its own for each run, and a provider configuration that prices their GPU model.
    private struct Setup {
        let relay: String
        let sdk: NostrSDKReference
        let nodeName: String
        /// A model only this test's node has: the offer's line for it is ours alone, whatever
        /// other tests do to the cluster meanwhile.
        let model: String
        let taintKey: String
        let key = SecretKey.generate()
        let lockKey = "02" + SecretKey.generate().publicKey.hex
        let provider: ComputeProvider
        let configuration: InventoryConfiguration
        let timing = OfferTiming()

        init(bed: TestBed) throws {
            relay = try bed.require("NCN_RELAY_SDK_URL")
            let mint = try bed.require("NCN_MINT_URL")
            sdk = try NostrSDKReference(bed: bed)
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
            nodeName = "ncn-offer-\(suffix)"
            model = "NCN-OFFER-GPU-\(suffix)"
            taintKey = "ncn.test/offer-\(suffix)"
            provider = ComputeProvider(name: "offer-it-\(suffix)", spec: ComputeProviderSpec(
                relays: [relay],
                pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 2_000, msatsPerGpuHour: [model: 2_000_000]),
                payments: PaymentSettings(lightning: LightningRail(backend: .lnbits), cashu: CashuRail(mints: [mint])),
                advertise: Advertisement(region: "test-bed"),
                secretRef: SecretReference(name: "unused", namespace: "default")))
            configuration = InventoryConfiguration(
                tolerations: InventoryConfiguration.defaultTolerations + [Toleration(key: taintKey, operator: "Exists", effect: nil)])
        }
    }

    private func scenario(_ setup: Setup, client: KubernetesClient, bed: TestBed) async throws {
        let (relay, sdk, nodeName, model, taintKey) = (setup.relay, setup.sdk, setup.nodeName, setup.model, setup.taintKey)
        let (key, lockKey, provider, configuration, timing) = (setup.key, setup.lockKey, setup.provider, setup.configuration, setup.timing)

        try bed.testbed("node", nodeName, "--cpu", "8", "--memory", "16Gi", "--gpus", "3", "--gpu-model", model)
        // Keeps other tests' pods off the node.
        try bed.testbed("kubectl", "taint", "node", nodeName, "\(taintKey)=only:NoSchedule")
        let inventory = Inventory(client: client, configuration: configuration)
        let pool = try RelayPool(relays: [relay])
        let publisher = OfferPublisher(
            provider: { provider }, inventory: inventory, key: key, lockKey: lockKey, bidLifetime: 120, timing: timing,
            publish: { try await pool.publishAccepted($0, timeout: .seconds(5)) })

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await inventory.run() }
            group.addTask { try await pool.run() }
            group.addTask { await publisher.run() }
            defer { group.cancelAll() }

            let started = ContinuousClock.now
            let (firstEvent, first) = try await eventually("the offer fetchable by kind+author+d", timeout: .seconds(20), every: .milliseconds(300)) {
                try fetchOffer(sdk, relay: relay, author: key.publicKey.hex, d: provider.metadata.name!)
            }
            print("offer: operator start → offer fetchable in \(ContinuousClock.now - started)")
            XCTAssertEqual(firstEvent.kind, 31900)
            XCTAssertEqual(firstEvent.firstTagValue("k"), "5900")
            XCTAssertEqual(first.identifier, provider.metadata.name)
            XCTAssertEqual(first.capacity.gpus.first { $0.model == model }, ComputeGPUCapacity(model: model, free: 3, total: 3))
            XCTAssertGreaterThanOrEqual(first.capacity.cpuMillicoresTotal, 8000)
            XCTAssertEqual(first.prices.msatsPerGpuHour[model], 2_000_000)
            XCTAssertEqual(first.rails, [.lightning, .cashu])
            XCTAssertEqual(first.cashu?.p2pk, lockKey)
            XCTAssertEqual(first.region, "test-bed")
            XCTAssertEqual(first.bidLifetimeSeconds, 120, "the offer says how long a bid stands unpaid")
            let expiration = try XCTUnwrap(first.expiration)
            XCTAssertEqual(expiration - firstEvent.createdAt, 7200)
            XCTAssertFalse(firstEvent.isExpired())

            // NIP-89: the handler announcement a generic NIP-90 client looks for, next to the offer.
            let handler = try await eventually("the kind 31990 fetchable by kind+author+d", timeout: .seconds(10), every: .milliseconds(300)) {
                try fetchAddressable(sdk, relay: relay, kind: 31990, author: key.publicKey.hex, d: provider.metadata.name!)
            }
            XCTAssertEqual(handler.tagValues("k"), ["5900"])
            XCTAssertEqual(handler.firstTagValue("a"), "31900:\(key.publicKey.hex):\(provider.metadata.name!)")
            let info = try ComputeHandlerInfo.parse(handler)
            XCTAssertEqual(info.name, "ncn compute provider \(provider.metadata.name!)")
            XCTAssertTrue(info.about.contains("kind 5900 compute request"), info.about)
            XCTAssertEqual(handler.expiration, first.expiration, "the announcement lapses with the offer")

            // A lease's pod takes 2 of the 3 GPUs; the scheduler binds it to our node.
            try await client.withScratchNamespace { namespace in
                let created = ContinuousClock.now
                _ = try await createPod(client, gpuPod(namespace, model: model, taintKey: taintKey))
                let (updatedEvent, updated) = try await eventually(
                    "the offer showing the GPUs taken", timeout: timing.maxDelay + .seconds(15), every: .milliseconds(300)
                ) { () -> (NostrEvent, ComputeOffer)? in
                    guard let found = try fetchOffer(sdk, relay: relay, author: key.publicKey.hex, d: provider.metadata.name!),
                          found.1.capacity.gpus.first(where: { $0.model == model })?.free == 1 else { return nil }
                    return found
                }
                let latency = ContinuousClock.now - created
                print("offer: GPU pod created → updated offer fetched in \(latency) (debounce \(timing.debounce))")
                XCTAssertEqual(updated.capacity.gpus.first { $0.model == model }, ComputeGPUCapacity(model: model, free: 1, total: 3))
                XCTAssertGreaterThan(updatedEvent.createdAt, firstEvent.createdAt)
                XCTAssertNotEqual(updatedEvent.id, firstEvent.id)
                XCTAssertEqual(updatedEvent.firstTagValue("d"), firstEvent.firstTagValue("d"))
                XCTAssertEqual(publisher.lastPublished?.id, updatedEvent.id)
                try await client.delete(Pod.self, name: "gpu-job", namespace: namespace)
            }
        }
    }

    /// The relay's event for (kind, author, d) as nostr-sdk sees them; nil until there is one.
    private func fetchAddressable(_ sdk: NostrSDKReference, relay: String, kind: Int, author: String, d: String) throws -> NostrEvent? {
        let answer = try sdk.call([["op": "fetch_addressable", "relay": relay, "kind": kind, "pubkey": author, "identifier": d, "timeout": 3]])[0]
        XCTAssertNil(answer["error"], "\(answer)")
        let events = try XCTUnwrap(answer["events"] as? [[String: Any]])
        XCTAssertLessThanOrEqual(events.count, 1, "one per kind, author and d")
        guard let json = events.first else { return nil }
        return try JSONDecoder().decode(NostrEvent.self, from: try JSONSerialization.data(withJSONObject: json))
    }

    /// The relay's offers for (31900, author, d) as nostr-sdk sees them; nil until there is
    /// one. A NIP-01 relay replaces older ones, so there must never be two.
    private func fetchOffer(
        _ sdk: NostrSDKReference, relay: String, author: String, d: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> (NostrEvent, ComputeOffer)? {
        let answer = try sdk.call([["op": "fetch_addressable", "relay": relay, "kind": 31900, "pubkey": author, "identifier": d, "timeout": 3]])[0]
        XCTAssertNil(answer["error"], "\(answer)", file: file, line: line)
        let events = try XCTUnwrap(answer["events"] as? [[String: Any]], file: file, line: line)
        XCTAssertLessThanOrEqual(events.count, 1, "one offer per author and d", file: file, line: line)
        guard let json = events.first else { return nil }
        let event = try JSONDecoder().decode(NostrEvent.self, from: try JSONSerialization.data(withJSONObject: json))
        return (event, try ComputeOffer.parse(event))
    }
}
