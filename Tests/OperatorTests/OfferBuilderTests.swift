import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import Operator
import XCTest

final class OfferBuilderTests: XCTestCase {
    static let gib: Int64 = 1 << 30
    static let h100 = "NVIDIA-H100-80GB-HBM3"
    static let lockKey = "02" + String(repeating: "ab", count: 32)

    static func provider(
        name: String = "eu-central-1", lightning: Bool = true, cashuMints: [String]? = ["https://mint.example.com"],
        gpuPrices: [String: Int64]? = [h100: 2_000_000]
    ) -> ComputeProvider {
        ComputeProvider(name: name, spec: ComputeProviderSpec(
            relays: ["wss://relay.example.com"],
            pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 2_000, msatsPerGpuHour: gpuPrices),
            billing: BillingSettings(intervalSeconds: 600, graceSeconds: 60, invoiceLeadSeconds: 60),
            payments: PaymentSettings(lightning: lightning ? LightningRail(backend: .lnbits) : nil,
                                      cashu: cashuMints.map { CashuRail(mints: $0, unit: .sat) }),
            policy: WorkloadPolicy(allowedRegistries: ["docker.io/library", "ghcr.io"], portRange: PortRange(min: 1024, max: 65535),
                                   maxDurationSeconds: 604_800, maxGPUsPerLease: 4, categories: ["training", "inference"]),
            advertise: Advertisement(region: "eu-central", labels: ["tier": "homelab", "network": "1gbit"]),
            secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system")))
    }

    static let inventory = InventorySnapshot(nodes: [
        NodeInventory(name: "cpu-1", allocatable: ResourceAmounts(cpuMillis: 8000, memoryBytes: 32 * gib, pods: 110, ephemeralStorageBytes: 100 * gib),
                      requested: ResourceAmounts(cpuMillis: 1500, memoryBytes: 4 * gib, pods: 3, ephemeralStorageBytes: 30 * gib)),
        NodeInventory(name: "gpu-1", gpuModel: h100,
                      allocatable: ResourceAmounts(cpuMillis: 16_000, memoryBytes: 64 * gib, gpus: 4, gpuModel: h100, pods: 110,
                                                   ephemeralStorageBytes: 500 * gib),
                      requested: ResourceAmounts(cpuMillis: 1000, memoryBytes: gib, gpus: 1, gpuModel: h100, pods: 1, ephemeralStorageBytes: 10 * gib),
                      reserved: ResourceAmounts(cpuMillis: 0, memoryBytes: 0, gpus: 1, gpuModel: h100, ephemeralStorageBytes: 10 * gib)),
        // Cordoned: neither free nor total.
        NodeInventory(name: "gpu-2", gpuModel: h100,
                      allocatable: ResourceAmounts(cpuMillis: 16_000, memoryBytes: 64 * gib, gpus: 4, gpuModel: h100, ephemeralStorageBytes: 500 * gib),
                      exclusions: [.cordoned]),
        // No price for this model, and GPUs without a model: not rented out, not advertised.
        NodeInventory(name: "gpu-3", gpuModel: "RTX-4090", allocatable: ResourceAmounts(cpuMillis: 4000, memoryBytes: 16 * gib, gpus: 2, gpuModel: "RTX-4090")),
        NodeInventory(name: "gpu-4", allocatable: ResourceAmounts(cpuMillis: 4000, memoryBytes: 16 * gib, gpus: 1, gpuModel: nil)),
    ])

    func testTheOfferSaysWhatTheConfigurationAndInventorySay() throws {
        let offer = try OfferBuilder.offer(for: Self.provider(), inventory: Self.inventory, lockKey: Self.lockKey, expiresAt: 1_767_232_800)
        XCTAssertEqual(offer.identifier, "eu-central-1")
        XCTAssertEqual(offer.region, "eu-central")
        XCTAssertEqual(offer.capacity, ComputeCapacity(
            cpuMillicoresFree: 6500 + 15_000 + 4000 + 4000, cpuMillicoresTotal: 8000 + 16_000 + 4000 + 4000,
            memoryBytesFree: (28 + 63 + 16 + 16) * Self.gib, memoryBytesTotal: (32 + 64 + 16 + 16) * Self.gib,
            gpus: [ComputeGPUCapacity(model: Self.h100, free: 2, total: 4)],
            disk: ComputeDiskCapacity(freeBytes: (70 + 480) * Self.gib, totalBytes: 600 * Self.gib)))
        XCTAssertEqual(offer.prices, ComputePrices(msatsPerCpuHour: 20_000, msatsPerGiBHour: 2_000, msatsPerGpuHour: [Self.h100: 2_000_000],
                                                   msatsPerDiskGiBHour: ComputeDefaults.msatsPerDiskGiBHour))
        XCTAssertEqual(offer.defaultDiskBytes, 10 * Self.gib, "the per-lease disk a request without a disk param gets")
        XCTAssertEqual(offer.maxDiskBytes, 100 * Self.gib)
        XCTAssertEqual(offer.intervalSeconds, 600)
        XCTAssertEqual(offer.graceSeconds, 60)
        XCTAssertEqual(offer.rails, [.lightning, .cashu])
        XCTAssertEqual(offer.cashu, ComputeCashuTerms(mints: [ComputeMint(url: "https://mint.example.com", unit: "sat")], p2pk: Self.lockKey))
        XCTAssertEqual(offer.maxDurationSeconds, 604_800)
        XCTAssertEqual(offer.maxGPUsPerLease, 4)
        XCTAssertEqual(offer.allowedRegistries, ["docker.io/library", "ghcr.io"])
        XCTAssertEqual(offer.categories, ["inference", "training"])
        XCTAssertEqual(offer.portRange, 1024...65535)
        XCTAssertEqual(offer.labels, ["tier": "homelab", "network": "1gbit"])
        XCTAssertEqual(offer.expiration, 1_767_232_800)
        XCTAssertFalse(offer.about.isEmpty)
    }

    func testTheSignedOfferReadsBackAndMatchesTheDraftsTags() throws {
        let key = SecretKey.generate()
        let offer = try OfferBuilder.offer(for: Self.provider(), inventory: Self.inventory, lockKey: Self.lockKey, expiresAt: 1_767_232_800)
        let event = try offer.sign(with: key, createdAt: 1_767_225_540)
        XCTAssertEqual(event.kind, 31900)
        XCTAssertEqual(event.firstTagValue("d"), "eu-central-1")
        XCTAssertEqual(event.expiration, 1_767_232_800)
        XCTAssertNoThrow(try event.validate(now: 1_767_225_540))
        XCTAssertEqual(try ComputeOffer.parse(event), offer)
    }

    func testCashuNeedsTheLockKeyAndSomeRailIsRequired() throws {
        let withoutKey = try OfferBuilder.offer(for: Self.provider(), inventory: Self.inventory, lockKey: nil, expiresAt: nil)
        XCTAssertEqual(withoutKey.rails, [.lightning], "without a P2PK key the draft does not let us offer Cashu")
        XCTAssertNil(withoutKey.cashu)
        XCTAssertNil(withoutKey.expiration)

        let cashuOnly = try OfferBuilder.offer(for: Self.provider(lightning: false), inventory: .empty, lockKey: Self.lockKey, expiresAt: nil)
        XCTAssertEqual(cashuOnly.rails, [.cashu])

        XCTAssertThrowsError(try OfferBuilder.offer(for: Self.provider(lightning: false), inventory: .empty, lockKey: nil, expiresAt: nil)) {
            XCTAssertTrue("\($0)".contains("no payment rail"), "\($0)")
        }
    }

    func testAnEmptyOrUnsyncedInventoryOffersNothingFreeButStillItsPrices() throws {
        let offer = try OfferBuilder.offer(for: Self.provider(gpuPrices: nil), inventory: .empty, lockKey: nil, expiresAt: nil)
        XCTAssertEqual(offer.capacity, ComputeCapacity(cpuMillicoresFree: 0, cpuMillicoresTotal: 0, memoryBytesFree: 0, memoryBytesTotal: 0,
                                                       disk: ComputeDiskCapacity(freeBytes: 0, totalBytes: 0)))
        XCTAssertEqual(offer.prices.msatsPerGpuHour, [:])
    }

    func testTheContentIsStableSoAnUnchangedOfferComparesEqual() throws {
        let one = try OfferBuilder.offer(for: Self.provider(), inventory: Self.inventory, lockKey: Self.lockKey, expiresAt: nil)
        let two = try OfferBuilder.offer(for: Self.provider(), inventory: Self.inventory, lockKey: Self.lockKey, expiresAt: nil)
        XCTAssertEqual(one, two)
        XCTAssertEqual(one.eventBuilder().tags, two.eventBuilder().tags)
        var pricier = Self.provider()
        pricier.spec.pricing.msatsPerCpuHour += 1
        XCTAssertNotEqual(try OfferBuilder.offer(for: pricier, inventory: Self.inventory, lockKey: Self.lockKey, expiresAt: nil), one)
    }
}
