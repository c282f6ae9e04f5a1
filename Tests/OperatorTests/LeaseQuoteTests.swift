import ComputeAPI
import Operator
import XCTest

final class LeaseQuoteTests: XCTestCase {
    let pricing = Pricing(msatsPerCpuHour: 60_000, msatsPerGiBHour: 6_000, msatsPerGpuHour: ["NVIDIA-H100-80GB-HBM3": 3_600_000])

    func testOneIntervalIsPricedPerResourceAndRoundedUpToWholeSats() throws {
        let quote = try LeaseQuote.quote(LeaseResources(cpu: "500m", memory: "2Gi", gpus: 1, gpuModel: "NVIDIA-H100-80GB-HBM3"),
                                         pricing: pricing, intervalSeconds: 600)
        XCTAssertEqual(quote.cpuMsats, 5_000)       // 0.5 core × 60 000/h × 1/6 h
        XCTAssertEqual(quote.memoryMsats, 2_000)    // 2 GiB × 6 000/h × 1/6 h
        XCTAssertEqual(quote.gpuMsats, 600_000)
        XCTAssertEqual(quote.totalMsats, 607_000)
        XCTAssertEqual(quote.msats(forDurationSeconds: 1_500), 3 * 607_000, "a started interval is a whole one")
    }

    func testDiskIsItsOwnLineAtThePerGiBPriceAndCountsTowardTheWholeSat() throws {
        var priced = pricing
        priced.msatsPerDiskGiBHour = 100
        let quote = try LeaseQuote.quote(LeaseResources(cpu: "500m", memory: "2Gi", gpus: 1, gpuModel: "NVIDIA-H100-80GB-HBM3", ephemeralStorage: "10Gi"),
                                         pricing: priced, intervalSeconds: 600)
        XCTAssertEqual(quote.diskMsats, 167)        // 10 GiB × 100/h × 1/6 h = 166.7, rounded up to whole msats
        XCTAssertEqual(quote.totalMsats, 608_000, "607 167 msats in all, rounded up to a whole sat")
        let withoutDisk = try LeaseQuote.quote(LeaseResources(cpu: "500m", memory: "2Gi"), pricing: priced, intervalSeconds: 600)
        XCTAssertEqual(withoutDisk.diskMsats, 0, "a lease from before disk was priced has no disk line")
        XCTAssertThrowsError(try LeaseQuote.quote(LeaseResources(cpu: "1", memory: "1Gi", ephemeralStorage: "0"), pricing: priced, intervalSeconds: 600)) {
            XCTAssertEqual("\($0)", "disk '0' is not a positive Kubernetes quantity")
        }
        XCTAssertEqual(Pricing(msatsPerCpuHour: 1, msatsPerGiBHour: 1).msatsPerDiskGiBHour, ComputeDefaults.msatsPerDiskGiBHour)
    }

    /// Checked arithmetic (issue 13): a price times a long duration that would overflow saturates,
    /// so the bid check refuses it instead of the operator trapping.
    func testTheWholeDurationsPriceSaturatesInsteadOfOverflowing() throws {
        let dear = try LeaseQuote.quote(LeaseResources(cpu: "4096", memory: "64Ti"),
                                        pricing: Pricing(msatsPerCpuHour: 1_000_000_000_000, msatsPerGiBHour: 1_000_000_000_000), intervalSeconds: 10)
        XCTAssertEqual(dear.msats(forDurationSeconds: 31_536_000), .max)
    }

    func testTinyRequestsCostAtLeastOneSatAndFractionsRoundUp() throws {
        let tiny = try LeaseQuote.quote(LeaseResources(cpu: "1m", memory: "1Mi"), pricing: pricing, intervalSeconds: 10)
        XCTAssertEqual(tiny.totalMsats, 1_000)
        let odd = try LeaseQuote.quote(LeaseResources(cpu: "1", memory: "1Gi"), pricing: Pricing(msatsPerCpuHour: 3_601, msatsPerGiBHour: 0),
                                       intervalSeconds: 3600)
        XCTAssertEqual(odd.cpuMsats, 3_601)
        XCTAssertEqual(odd.totalMsats, 4_000)
    }

    func testUnpricedGPUModelsAndBadQuantitiesAreRefusedWithReasons() {
        XCTAssertThrowsError(try LeaseQuote.quote(LeaseResources(cpu: "1", memory: "1Gi", gpus: 1, gpuModel: "RTX-4090"),
                                                  pricing: pricing, intervalSeconds: 600)) { error in
            XCTAssertEqual("\(error)", "GPU model RTX-4090 is not offered by this provider")
        }
        XCTAssertThrowsError(try LeaseQuote.quote(LeaseResources(cpu: "1", memory: "1Gi", gpus: 1), pricing: pricing, intervalSeconds: 600))
        XCTAssertThrowsError(try LeaseQuote.quote(LeaseResources(cpu: "lots", memory: "1Gi"), pricing: pricing, intervalSeconds: 600)) { error in
            XCTAssertEqual("\(error)", "cpu 'lots' is not a positive Kubernetes quantity")
        }
    }
}
