import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import Operator
import XCTest

/// Workload categories (§3.2, §3.3, §8), from the tenant's side (nostr-sdk through `tenant.py`)
/// against the operator binary: a provider that lists categories announces them and bids only on
/// requests naming one of them; everyone else is told which to name.
final class MarketCategoriesTests: XCTestCase {
    private var market: MarketBed!

    override func setUp() async throws {
        market = try MarketBed()
    }

    override func tearDown() {
        market?.tearDown()
        super.tearDown()
    }

    func testAProviderListingCategoriesAnnouncesThemAndBidsOnlyOnRequestsNamingOne() async throws {
        try await market.withProvider({ spec in
            spec.policy.categories = ["inference", "ci-build"]
        }) { admin, start in
            let running = try start()
            defer { running.kill() }
            let provider = market.provider
            let tenant = try TenantClient(bed: market.bed)
            var step = "the offer"
            do {
                let fetched = try await tenant.offer(provider: provider, d: "default", wait: .seconds(15))
                let offer = try XCTUnwrap(fetched)
                XCTAssertEqual(offer.tags.filter { $0.first == "category" }, [["category", "ci-build"], ["category", "inference"]])

                func request(_ category: String?) async throws -> (String, TenantWatch) {
                    let extra = category.map { ["--tag", #"["param","category","\#($0)"]"#] } ?? []
                    let published = try await tenant.request(TenantRequest(cpu: "100m", memory: "64Mi", env: ["CATEGORY": category ?? "none"],
                                                                           provider: provider, extra: extra))
                    return (published.id, try await tenant.watch(request: published.id, provider: provider))
                }
                step = "a request naming no category"
                let (_, unnamed) = try await request(nil)
                defer { unnamed.stop() }
                let refused = try await unnamed.next(status: "error", kind: 7000)
                XCTAssertEqual(refused.tag("reason"), ["reason", "policy"])
                XCTAssertTrue(refused.statusText?.contains(#"["param","category","<category>"] with one of ci-build, inference"#) ?? false,
                              refused.statusText ?? "nil")

                step = "a request naming another category"
                let (_, other) = try await request("training")
                defer { other.stop() }
                let otherRefusal = try await other.next(status: "error", kind: 7000)
                XCTAssertEqual(otherRefusal.tag("reason"), ["reason", "policy"])
                XCTAssertEqual(otherRefusal.statusText, "this provider does not run training workloads; it runs ci-build, inference")

                step = "a request naming one of the provider's"
                let (id, named) = try await request("inference")
                defer { named.stop() }
                _ = try await named.next(status: "bid", kind: 6900)
                let lease = try await admin.get(ComputeLease.self, name: ComputeLease.name(forRequestEventId: id))
                XCTAssertEqual(lease.spec.category, "inference", "the lease keeps the category for the provider's records")
            } catch {
                XCTFail("at \(step): operator log:\n\(running.logText.suffix(5000))")
                throw error
            }
        }
    }
}
