import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import Operator
import XCTest

/// §3.3 and §11 of the draft, from the tenant's side (nostr-sdk through `tenant.py`) against the
/// operator binary: what an unpaid stranger's requests may cost the provider.
final class MarketIntakeTests: MarketBedTestCase {
    func testProofOfWorkAgeAndUnpaidBidLimitsHoldAndMoreWorkTakesAFullProvidersLastSlot() async throws {
        let required = 8
        try await market.withProvider({ spec in
            spec.intake = IntakeSettings(minProofOfWork: required, maxUnpaidBidsPerTenant: 2, maxUnpaidBids: 3)
        }) { admin, start in
            let running = try start()
            defer { running.kill() }
            do { try await self.checkLimits(admin, running: running, required: required) } catch {
                XCTFail("at \(self.step): operator log:\n\(running.logText.suffix(5000))")
                throw error
            }
        }
    }

    private func checkLimits(_ admin: KubernetesClient, running: OperatorProcess, required: Int) async throws {
            let provider = market.provider
            let fetched = try await TenantClient(bed: market.bed).offer(provider: provider, d: "default", wait: .seconds(15))
            let offer = try XCTUnwrap(fetched)
            XCTAssertEqual(offer.tags.first { $0.first == "pow" }, ["pow", String(required)], "the offer announces the work it asks for")

            var sent = 0
            func request(_ tenant: TenantClient, pow: Int?, extra: [String] = []) async throws -> (String, TenantWatch) {
                // Distinct env per request: mining is deterministic, so two requests with the same
                // tags in the same second would be one event.
                sent += 1
                let published = try await tenant.request(TenantRequest(cpu: "100m", memory: "64Mi", env: ["REQUEST": String(sent)], duration: 600,
                                                                       bidMsats: 1_000_000, provider: provider, pow: pow, extra: extra))
                return (published.id, try await tenant.watch(request: published.id, provider: provider))
            }
            /// A request whose id has exactly `bits` leading zero bits (a miner stops at at least
            /// as many), so which bid is weakest does not depend on luck.
            func request(_ tenant: TenantClient, exactWork bits: Int) async throws -> (String, TenantWatch) {
                while true {
                    sent += 1
                    let event = try EventBuilder(kind: ComputeKinds.request, content: "", tags: [
                        ["param", "image", "docker.io/library/busybox:1.36"], ["param", "cpu", "100m"], ["param", "memory", "64Mi"],
                        ["param", "env", "REQUEST", String(sent)], ["param", "duration", "600"], ["bid", "1000000"], ["p", provider],
                    ]).mine(difficulty: bits, with: tenant.key)
                    guard ProofOfWork.leadingZeroBits(hex: event.id) == bits else { continue }
                    let published = try await tenant.republish(event)
                    return (published.id, try await tenant.watch(request: published.id, provider: provider))
                }
            }
            var watches: [TenantWatch] = []
            defer { for watch in watches { watch.stop() } }

            // Too little work, or too old: no answer and no lease.
            let alice = try TenantClient(bed: market.bed)
            let (lazy, lazyWatch) = try await request(alice, pow: nil)
            let (old, oldWatch) = try await request(alice, pow: required, extra: ["--created-at", String(Int(Date().timeIntervalSince1970) - 900)])
            watches += [lazyWatch, oldWatch]

            // Two unpaid bids per tenant: the third is refused as busy, with what to do.
            var bids: [String: TenantWatch] = [:]
            for index in 0..<2 {
                step = "unpaid bid \(index + 1) of one tenant"
                let (id, watch) = try await request(alice, exactWork: required)
                watches.append(watch)
                _ = try await watch.next(status: "bid", kind: 6900)
                bids[id] = watch
            }
            let (third, thirdWatch) = try await request(alice, exactWork: required)
            watches.append(thirdWatch)
            step = "the third unpaid bid of one tenant"
            let busy = try await thirdWatch.next(status: "error", kind: 7000)
            XCTAssertEqual(busy.tag("reason"), ["reason", "busy"])
            XCTAssertTrue(busy.statusText?.contains("2 unpaid bids") ?? false, busy.statusText ?? "nil")

            // Three unpaid bids in all: another tenant gets the last slot, a third tenant is refused
            // and told how much work would take a slot.
            step = "another tenant's bid"
            let (bobs, bobWatch) = try await request(try TenantClient(bed: market.bed), exactWork: required)
            watches.append(bobWatch)
            _ = try await bobWatch.next(status: "bid", kind: 6900)
            bids[bobs] = bobWatch
            let carol = try TenantClient(bed: market.bed)
            let (_, refusedWatch) = try await request(carol, exactWork: required)
            watches.append(refusedWatch)
            step = "a bid when all slots are taken"
            let full = try await refusedWatch.next(status: "error", kind: 7000)
            XCTAssertEqual(full.tag("reason"), ["reason", "busy"])
            XCTAssertTrue(full.statusText?.contains("bits of NIP-13 proof of work") ?? false, full.statusText ?? "nil")

            // More work than the weakest unpaid bid takes its place: that bid is withdrawn and ends
            // as an expired bid.
            let (strong, strongWatch) = try await request(carol, exactWork: required + 1)
            watches.append(strongWatch)
            step = "a bid with more work"
            _ = try await strongWatch.next(status: "bid", kind: 6900)
            step = "the withdrawn bid's end"
            let ended = try await eventually("one earlier bid to end", timeout: .seconds(30)) { () -> TenantSeen? in
                bids.values.lazy.compactMap { $0.seen.first { $0.kind == 6900 && $0.status == "terminated" } }.first
            }
            XCTAssertEqual(ended.reason, "bid-expired", "the withdrawn bid ends as an expired bid")
            XCTAssertEqual(bids.values.filter { $0.seen.contains { $0.status == "terminated" } }.count, 1, "exactly one bid is withdrawn")

            let leases = try await admin.list(ComputeLease.self).items.map(\.spec.requestEventId)
            XCTAssertFalse(leases.contains(lazy), "a request without the work gets no lease")
            XCTAssertFalse(leases.contains(old), "an old request gets no lease")
            XCTAssertFalse(leases.contains(third))
            XCTAssertTrue(leases.contains(strong))
            XCTAssertTrue(lazyWatch.seen.isEmpty, "a request without the work gets no answer: \(lazyWatch.seen.map(\.status))")
            XCTAssertTrue(oldWatch.seen.isEmpty, "an old request gets no answer: \(oldWatch.seen.map(\.status))")
            let metrics = try await running.metrics()
            // The request without work; the old one may never arrive (relays apply the
            // subscription's `since` to live events too).
            let ignored = metrics.split(separator: "\n").first { $0.hasPrefix("ncn_requests_ignored_total ") }.flatMap { Int($0.split(separator: " ")[1]) }
            XCTAssertGreaterThanOrEqual(ignored ?? 0, 1, metrics)
            XCTAssertTrue(metrics.contains("ncn_bids_withdrawn_total 1"), metrics)
    }

    /// Capacity held by unpaid bids is not held hostage: a request with more proof of work takes
    /// the GPUs a weaker unpaid bid holds; one with equal work is told what would win them.
    func testMoreWorkTakesCapacityThatAWeakerUnpaidBidHolds() async throws {
        try await market.withProvider { admin, start in
            let running = try start()
            defer { running.kill() }
            let provider = market.provider
            var sent = 0
            func request(_ tenant: TenantClient, gpus: Int, exactWork bits: Int) async throws -> (String, TenantWatch) {
                while true {
                    sent += 1
                    let event = try EventBuilder(kind: ComputeKinds.request, content: "", tags: [
                        ["param", "image", "docker.io/library/busybox:1.36"], ["param", "cpu", "100m"], ["param", "memory", "64Mi"],
                        ["param", "gpus", String(gpus)], ["param", "gpu-model", market.gpuModel],
                        ["param", "env", "REQUEST", String(sent)], ["param", "duration", "600"], ["bid", "100000000"], ["p", provider],
                    ]).mine(difficulty: bits, with: tenant.key)
                    guard ProofOfWork.leadingZeroBits(hex: event.id) == bits else { continue }
                    let published = try await tenant.republish(event)
                    return (published.id, try await tenant.watch(request: published.id, provider: provider))
                }
            }
            do {
                step = "a squatter's unpaid bid on both GPUs"
                let (_, squat) = try await request(try TenantClient(bed: market.bed), gpus: 2, exactWork: 0)
                defer { squat.stop() }
                _ = try await squat.next(status: "bid", kind: 6900)
                let alice = try TenantClient(bed: market.bed)
                step = "a request with as little work"
                let (_, equal) = try await request(alice, gpus: 1, exactWork: 0)
                defer { equal.stop() }
                let refused = try await equal.next(status: "error", kind: 7000)
                XCTAssertEqual(refused.tag("reason"), ["reason", "no-capacity"])
                XCTAssertTrue(refused.statusText?.contains("proof of work") ?? false, refused.statusText ?? "nil")
                step = "a request with more work"
                let (strong, strongWatch) = try await request(alice, gpus: 1, exactWork: 3)
                defer { strongWatch.stop() }
                _ = try await strongWatch.next(status: "bid", kind: 6900)
                step = "the squatter's bid withdrawn"
                let ended = try await squat.next(status: "terminated", kind: 6900)
                XCTAssertEqual(ended.reason, "bid-expired")
                let leases = try await admin.list(ComputeLease.self).items.map(\.spec.requestEventId)
                XCTAssertTrue(leases.contains(strong))
                let metrics = try await running.metrics()
                XCTAssertTrue(metrics.contains("ncn_bids_displaced_total 1"), metrics)
            } catch {
                XCTFail("at \(self.step): operator log:\n\(running.logText.suffix(5000))")
                throw error
            }
        }
    }

    /// Workload categories (§3.2, §3.3, §8): a provider that lists categories announces them and
    /// bids only on requests naming one of them; everyone else is told which to name.
    func testAProviderListingCategoriesAnnouncesThemAndBidsOnlyOnRequestsNamingOne() async throws {
        try await market.withProvider({ spec in
            spec.policy.categories = ["inference", "ci-build"]
        }) { admin, start in
            let running = try start()
            defer { running.kill() }
            let provider = market.provider
            let tenant = try TenantClient(bed: market.bed)
            step = "the offer"
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
                XCTFail("at \(self.step): operator log:\n\(running.logText.suffix(5000))")
                throw error
            }
        }
    }
}
