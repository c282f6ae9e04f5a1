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
