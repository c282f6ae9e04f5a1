import AsyncHTTPClient
import ComputeAPI
import Foundation
import KubeClient
import NIOCore
import NostrBridge
import XCTest

/// The provider's dashboard served by the operator binary, read as the page reads it: a paid
/// lease with what it earned, the chart's points, a refused request with its reason, the relays
/// and the wallet; all of it behind the token. The tenant is nostr-sdk, the payment LNbits.
/// (The page itself, in a browser, is tests/python/test_real_dashboard.py.)
final class DashboardIntegrationTests: MarketBedTestCase {
    func testTheDashboardShowsAPaidLeaseItsEarningsAndARefusalWithItsReasonOnlyToWhoHoldsTheToken() async throws {
        let token = "it-" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-dashboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenFile = folder.appendingPathComponent("token")
        try Data((token + "\n").utf8).write(to: tokenFile)
        let base = "http://127.0.0.1:\(OperatorProcess.freeLocalPort())"
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        defer { _ = http.shutdown() }

        func get(_ path: String, headers: [(String, String)] = []) async throws -> (status: Int, headers: [String: [String]], body: String) {
            var request = HTTPClientRequest(url: base + path)
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            let response = try await http.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 4 << 20)
            let headers = response.headers.reduce(into: [String: [String]]()) { $0[$1.name.lowercased(), default: []].append($1.value) }
            return (Int(response.status.code), headers, String(buffer: body))
        }

        try await market.withProvider({ spec in
            spec.policy.categories = ["inference"]
        }, operatorArguments: ["--dashboard-bind-address", String(base.dropFirst("http://".count)), "--dashboard-token-file", tokenFile.path]) { admin, start in
            let running = try start()
            defer { running.kill() }
            let provider = market.provider
            let tenant = try TenantClient(bed: market.bed)
            do {
                step = "a request the provider refuses (it names no category)"
                let refusedRequest = try await tenant.request(TenantRequest(cpu: "100m", memory: "64Mi", provider: provider))
                let refusedWatch = try await tenant.watch(request: refusedRequest.id, provider: provider)
                defer { refusedWatch.stop() }
                _ = try await refusedWatch.next(status: "error", kind: 7000)

                step = "a request bid on and paid"
                let paidRequest = try await tenant.request(TenantRequest(
                    cpu: "100m", memory: "64Mi", provider: provider, extra: ["--tag", #"["param","category","inference"]"#]))
                let watch = try await tenant.watch(request: paidRequest.id, provider: provider)
                defer { watch.stop() }
                let invoice = try await watch.next(status: "payment-required", kind: 7000)
                try await market.pay(invoice)
                let lease = ComputeLease.name(forRequestEventId: paidRequest.id)
                _ = try await eventually("the payment to be credited", timeout: .seconds(20)) { () -> Bool? in
                    ((try? await admin.get(ComputeLease.self, name: lease))?.status?.ledger?.msatsReceived ?? 0) > 0 ? true : nil
                }

                step = "without the token"
                let refused = try await get("/api/state")
                XCTAssertEqual(refused.status, 401)
                XCTAssertFalse(refused.body.contains(lease))
                let page401 = try await get("/"), wrong = try await get("/?token=wrong-token-of-some-length")
                XCTAssertEqual([page401.status, wrong.status], [401, 401])

                step = "the token once in the address: a cookie, and the address without it"
                let remembered = try await get("/?token=\(token)")
                XCTAssertEqual(remembered.status, 303)
                XCTAssertEqual(remembered.headers["location"], ["/"])
                let cookie = try XCTUnwrap(remembered.headers["set-cookie"]?.first)
                XCTAssertTrue(cookie.hasPrefix("ncn_dashboard=\(token)"), cookie)
                XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie)
                let page = try await get("/", headers: [("Cookie", "ncn_dashboard=\(token)")])
                XCTAssertEqual(page.status, 200)
                XCTAssertTrue(page.body.contains(#"<script src="/dashboard.js""#))
                XCTAssertTrue(page.headers["content-security-policy"]?.first?.contains("default-src 'none'") ?? false)
                let script = try await get("/dashboard.js", headers: [("Cookie", "ncn_dashboard=\(token)")])
                XCTAssertEqual(script.status, 200)

                step = "what the page reads"
                let state = try await eventually("the dashboard to show the paid lease and the refusal", timeout: .seconds(20)) { () -> DashboardState? in
                    guard let answer = try? await get("/api/state", headers: [("Authorization", "Bearer \(token)")]), answer.status == 200,
                          let state = try? JSONDecoder().decode(DashboardState.self, from: Data(answer.body.utf8)),
                          // Billing credits first; the reconciler moves the phase on its next pass.
                          state.leases.contains(where: { $0.name == lease && $0.earnedMsats > 0 && $0.phase != "AwaitingPayment" }),
                          state.market.recent.contains(where: { $0.request == refusedRequest.id }),
                          state.market.relays.filter({ $0.state == "connected" }).count == 3 else { return nil }
                    return state
                }
                let row = try XCTUnwrap(state.leases.first { $0.name == lease })
                XCTAssertEqual(row.earnedMsats, invoice.amount)
                XCTAssertEqual(row.tenant, try PublicKey(hex: tenant.pubkey).npub)
                XCTAssertEqual(row.phase, "Provisioning", "paid, and no kubelet has started its pod")
                let refusal = try XCTUnwrap(state.market.recent.first { $0.request == refusedRequest.id })
                XCTAssertEqual(refusal.outcome, "refused")
                XCTAssertEqual(refusal.code, "policy")
                XCTAssertTrue(refusal.reason?.contains("category") ?? false, refusal.reason ?? "nil")
                XCTAssertEqual(state.market.recent.first { $0.request == paidRequest.id }?.outcome, "bid")
                // Earlier tests' ended leases are in the test bed's audit trail, and the chart counts them too.
                let earned = try XCTUnwrap(state.earnings.byRail["lightning"])
                XCTAssertGreaterThanOrEqual(earned, row.earnedMsats)
                let series = try XCTUnwrap(state.earnings.series.first { $0.rail == "lightning" })
                XCTAssertGreaterThanOrEqual(series.points.count, 3, "zero before the first payment, the payment, now")
                XCTAssertEqual(series.points.last?.last, earned)
                XCTAssertEqual(state.market.wallet.state, "reachable", "billing made an invoice and looked it up")
                XCTAssertEqual(state.provider.npub, market.providerKey.publicKey.npub)
                XCTAssertTrue(state.capacity.nodes.contains { $0.name == market.node })
            } catch {
                XCTFail("at \(self.step): operator log:\n\(running.logText.suffix(5000))")
                throw error
            }
        }
    }
}

/// The parts of `/api/state` this test reads, decoded on their own (not with the operator's types).
private struct DashboardState: Decodable {
    struct Provider: Decodable { var npub: String? }
    struct Lease: Decodable { var name: String; var tenant: String; var phase: String; var earnedMsats: Int64 }
    struct Earnings: Decodable {
        struct Series: Decodable { var rail: String; var points: [[Int64]] }
        var byRail: [String: Int64]
        var series: [Series]
    }
    struct Capacity: Decodable {
        struct Node: Decodable { var name: String }
        var nodes: [Node]
    }
    struct Market: Decodable {
        struct Decision: Decodable { var request: String; var outcome: String; var reason: String?; var code: String? }
        struct Relay: Decodable { var url: String; var state: String }
        struct Wallet: Decodable { var state: String }
        var recent: [Decision]
        var relays: [Relay]
        var wallet: Wallet
    }
    var provider: Provider
    var leases: [Lease]
    var earnings: Earnings
    var capacity: Capacity
    var market: Market
}
