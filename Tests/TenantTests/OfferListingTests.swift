import NostrBridge
import XCTest
@testable import Tenant

/// Which offers a job fits, before any ranking.
final class OfferListingTests: XCTestCase {
    private let resources = ComputeResources(cpu: "500m", memory: "256Mi", cpuMillicores: 500, memoryBytes: 256 << 20)

    private func listing(categories: [String] = []) -> OfferListing {
        OfferListing(provider: String(repeating: "e", count: 64), eventID: "x", createdAt: 0, offer: ComputeOffer(
            identifier: "default", capacity: ComputeCapacity(cpuMillicoresFree: 1000, cpuMillicoresTotal: 1000, memoryBytesFree: 1 << 30,
                                                             memoryBytesTotal: 1 << 30),
            prices: ComputePrices(msatsPerCpuHour: 1, msatsPerGiBHour: 1), intervalSeconds: 60, graceSeconds: 10, rails: [.lightning],
            categories: categories))
    }

    func testAnOfferListingCategoriesFitsOnlyAJobOfOneOfThem() {
        let picky = listing(categories: ["ci-build", "inference"])
        XCTAssertEqual(picky.mismatch(resources), "takes only ci-build, inference workloads (--category)")
        XCTAssertEqual(picky.mismatch(resources, category: "training"), "takes only ci-build, inference workloads (--category)")
        XCTAssertNil(picky.mismatch(resources, category: "inference"))
        XCTAssertNil(listing().mismatch(resources), "an offer listing none takes any job")
        XCTAssertNil(listing().mismatch(resources, category: "training"))
    }

    func testTheCategoryParamIsSentOnlyWhenGiven() {
        var order = LeaseOrder(image: "busybox", cpu: "1", memory: "1Gi", durationSeconds: 60, maxPriceMsats: 1)
        XCTAssertFalse(order.tags(relays: []).contains { $0.count > 1 && $0[1] == "category" })
        order.category = "ci-build"
        XCTAssertTrue(order.tags(relays: []).contains(["param", "category", "ci-build"]))
        XCTAssertTrue(ComputeCategory.isValid("ci-build"))
        XCTAssertFalse(ComputeCategory.isValid("CI Build"))
    }
}
