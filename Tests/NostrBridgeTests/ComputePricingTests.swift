import NostrBridge
import XCTest

final class ComputePricingTests: XCTestCase {
    typealias F = ComputeFixtures

    let prices = ComputePrices(msatsPerCpuHour: 20_000, msatsPerGiBHour: 2_000, msatsPerGpuHour: [ComputeFixtures.gpuModel: 2_000_000])

    func testDraftExamplePrices() throws {
        let gpu = ComputeResources(cpu: "4", memory: "16Gi", cpuMillicores: 4_000, memoryBytes: 16 << 30, gpus: 1, gpuModel: F.gpuModel)
        let costs = try XCTUnwrap(prices.costs(for: gpu, intervalSeconds: 600))
        XCTAssertEqual(costs.map(\.msatsPerInterval), [13_334, 5_334, 333_334])
        let bid = try XCTUnwrap(ComputeBid(costs: costs, intervalSeconds: 600, graceSeconds: 60, durationSeconds: 3_600, expiresAt: 0, rail: .lightning))
        XCTAssertEqual(bid.pricePerIntervalMsats, 353_000, "rounded up to a whole sat")
        XCTAssertEqual(bid.totalMsats, 2_118_000)

        let db = ComputeResources(cpu: "500m", memory: "1Gi", cpuMillicores: 500, memoryBytes: 1 << 30)
        XCTAssertEqual(prices.costs(for: db, intervalSeconds: 600)?.map(\.msatsPerInterval), [1_667, 334])
        XCTAssertEqual(ComputeBid(costs: [ComputeCost(resource: "cpu", msatsPerInterval: 1)], intervalSeconds: 60, graceSeconds: 0,
                                  durationSeconds: 60, expiresAt: 0, rail: .cashu)?.pricePerIntervalMsats, 1_000, "at least one sat")
        XCTAssertEqual(ComputeBid(costs: [ComputeCost(resource: "cpu", msatsPerInterval: 3_000)], intervalSeconds: 60, graceSeconds: 0,
                                  durationSeconds: 60, expiresAt: 0, rail: .cashu)?.pricePerIntervalMsats, 3_000, "whole sats stay")
    }

    func testDiskIsItsOwnLinePerGiBAndAnUnnamedDiskIsPricedAtTheOffersDefault() throws {
        var priced = prices
        priced.msatsPerDiskGiBHour = 100
        let disky = ComputeResources(cpu: "500m", memory: "1Gi", cpuMillicores: 500, memoryBytes: 1 << 30, disk: "10Gi", diskBytes: 10 << 30)
        let costs = try XCTUnwrap(priced.costs(for: disky, intervalSeconds: 600))
        XCTAssertEqual(costs, [ComputeCost(resource: "cpu", msatsPerInterval: 1_667), ComputeCost(resource: "memory", msatsPerInterval: 334),
                               ComputeCost(resource: "disk", msatsPerInterval: 167)], "100 × 10 × 600 / 3600 = 166.7, rounded up")
        XCTAssertEqual(ComputeBid(costs: costs, intervalSeconds: 600, graceSeconds: 60, durationSeconds: 600, expiresAt: 0, rail: .lightning)?
            .pricePerIntervalMsats, 3_000, "2168 msats, rounded up to whole sats with the other lines")

        let unnamed = ComputeResources(cpu: "500m", memory: "1Gi", cpuMillicores: 500, memoryBytes: 1 << 30)
        XCTAssertEqual(priced.costs(for: unnamed, intervalSeconds: 600)?.count, 2, "no disk amount, no disk line")
        let offer = ComputeOffer(identifier: "x", capacity: ComputeCapacity(cpuMillicoresFree: 0, cpuMillicoresTotal: 0, memoryBytesFree: 0, memoryBytesTotal: 0),
                                 prices: priced, intervalSeconds: 600, graceSeconds: 60, rails: [.lightning], defaultDiskBytes: 10 << 30)
        XCTAssertEqual(offer.costs(for: unnamed), costs, "a client checks a bid with the offer's default-disk")
        XCTAssertEqual(offer.costs(for: disky), costs)
    }

    func testUnpricedGPUModelIsNotRentedAndHugeValuesDoNotOverflow() {
        let a100 = ComputeResources(cpu: "1", memory: "1Gi", cpuMillicores: 1_000, memoryBytes: 1 << 30, gpus: 1, gpuModel: "NVIDIA-A100-SXM4-40GB")
        XCTAssertNil(prices.costs(for: a100, intervalSeconds: 600))
        let huge = ComputeResources(cpu: "4096", memory: "64Ti", cpuMillicores: 4_096_000, memoryBytes: 64 << 40)
        let costs = ComputePrices(msatsPerCpuHour: 1_000_000_000, msatsPerGiBHour: 1_000_000_000).costs(for: huge, intervalSeconds: 86_400)
        XCTAssertEqual(costs?.map(\.msatsPerInterval), [98_304_000_000_000, 1_572_864_000_000_000])
        XCTAssertNil(ComputePrices(msatsPerCpuHour: .max, msatsPerGiBHour: 1).costs(for: huge, intervalSeconds: 86_400))
    }

    /// The draft's bid example is priced by §7.1 from its offer example.
    func testDraftBidFollowsFromDraftOffer() throws {
        let blocks = try ComputeDraftExamplesTests.blocks()
        var offer: ComputeOffer?
        var request: ComputeRequest?
        var bid: ComputeBid?
        for case .event(let event) in blocks {
            switch event.kind {
            case 31900: offer = try ComputeOffer.parse(event)
            case 5900 where request == nil: if case .request(let r) = try ComputeRequest.parse(event, key: F.provider) { request = r }
            case 6900 where bid == nil: bid = try ComputeResult.parse(event, key: F.tenant).bid
            default: break
            }
        }
        let (o, r, b) = (try XCTUnwrap(offer), try XCTUnwrap(request), try XCTUnwrap(bid))
        let costs = try XCTUnwrap(o.costs(for: r.resources))
        XCTAssertEqual(costs, b.costs)
        XCTAssertEqual(costs.last, ComputeCost(resource: "disk", msatsPerInterval: 834), "the request's 50Gi of disk at the offer's disk price")
        XCTAssertEqual(ComputeBid(costs: costs, intervalSeconds: b.intervalSeconds, graceSeconds: b.graceSeconds, durationSeconds: b.durationSeconds,
                                  expiresAt: b.expiresAt, rail: b.rail), b)
        XCTAssertLessThanOrEqual(try XCTUnwrap(b.totalMsats), r.bidMsats)
        XCTAssertEqual(b.durationSeconds, r.durationSeconds)
    }
}
