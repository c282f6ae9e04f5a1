import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import XCTest

/// Blocklists shared over Nostr (draft §11.1) against the operator binary and the test bed's real
/// relays: a publisher the provider trusts and one it does not, each with its own key, sign their
/// sets, reports and deletions with nostr-sdk; tenants are nostr-sdk too. The provider refuses
/// what the trusted publisher lists, ignores the other, and follows changes live.
final class BlocklistIntegrationTests: MarketBedTestCase {
    func testATrustedPublishersListsAndReportsAreRefusedLiveAndAStrangersAreNot() async throws {
        let trusted = SecretKey.generate(), stranger = SecretKey.generate()
        let listed = try TenantClient(bed: market.bed), reported = try TenantClient(bed: market.bed)
        let strangersPick = try TenantClient(bed: market.bed), honest = try TenantClient(bed: market.bed)
        let reference = try NostrSDKReference(bed: market.bed)
        let now = Int64(Date().timeIntervalSince1970)

        /// Signed by nostr-sdk with the publisher's key, sent by nostr-sdk's client.
        func publish(_ kind: Int, _ tags: [[String]], by key: SecretKey, at createdAt: Int64) async throws -> NostrEvent {
            let answer = try XCTUnwrap(reference.call([[
                "op": "sign", "secret": key.exportHex(), "kind": kind, "content": "", "tags": tags, "created_at": createdAt,
            ]]).first?["event"])
            let event = try JSONDecoder().decode(NostrEvent.self, from: JSONSerialization.data(withJSONObject: answer))
            let sent = try await listed.republish(event)
            XCTAssertFalse(sent.relays.ok.isEmpty, "no relay took the \(kind): \(sent.relays.failed)")
            return event
        }
        func blocklist(_ tags: [[String]], by key: SecretKey, at createdAt: Int64) async throws {
            _ = try await publish(ComputeBlocklist.setKind, [["d", ComputeBlocklist.setIdentifier]] + tags, by: key, at: createdAt)
        }

        step = "the publishers' lists and a report, before the provider starts"
        try await blocklist([["p", listed.pubkey], ["image", "docker.io/library/alpine"]], by: trusted, at: now - 60)
        let report = try await publish(ComputeKinds.tenantFeedback, [
            ["p", reported.pubkey, "", ComputeBlocklist.tenantMarker], ["report", "malware", "ran a cryptominer on a GPU lease"],
        ], by: trusted, at: now - 30)
        try await blocklist([["p", strangersPick.pubkey]], by: stranger, at: now - 60)

        try await market.withProvider({ spec in
            spec.policy.blocklistPublishers = [trusted.publicKey.hex]
        }) { _, start in
            let running = try start()
            defer { running.kill() }
            let provider = market.provider

            /// The first answer to a fresh request: "bid", or the refusal's text.
            func answer(_ tenant: TenantClient, image: String = "docker.io/library/busybox:1.36") async throws -> String {
                let request = try await tenant.request(TenantRequest(image: image, cpu: "100m", memory: "64Mi", provider: provider))
                let watch = try await tenant.watch(request: request.id, provider: provider)
                defer { watch.stop() }
                let seen = try await watch.next(where: { $0.status == "bid" || $0.status == "error" })
                if seen.status == "bid" {
                    _ = try? await tenant.cancel(request.id)  // frees the unpaid-bid slot
                    return "bid"
                }
                XCTAssertEqual(seen.tag("reason"), ["reason", "policy"], seen.statusText ?? "")
                return seen.statusText ?? ""
            }
            /// Asks again (a new request each time) until the answer satisfies `done`: the change travels relay → operator.
            func eventually(_ what: String, _ tenant: TenantClient, image: String = "docker.io/library/busybox:1.36",
                            _ done: (String) -> Bool) async throws -> String {
                var last = ""
                for _ in 0..<15 {
                    last = try await answer(tenant, image: image)
                    if done(last) { return last }
                    try await Task.sleep(for: .seconds(1))
                }
                XCTFail("\(what): the last answer was \(last)")
                return last
            }
            do {
                step = "what the trusted publisher lists and reports is refused, naming it"
                let npub = trusted.publicKey.npub
                let refusedTenant = try await eventually("the listed tenant refused", listed) { $0 != "bid" }
                XCTAssertEqual(refusedTenant, "this provider does not serve your pubkey: a blocklist it follows lists it (\(npub), on its blocklist)")
                let refusedReport = try await answer(reported)
                XCTAssertEqual(refusedReport, "this provider does not serve your pubkey: a blocklist it follows lists it (\(npub), "
                    + "reported for malware: ran a cryptominer on a GPU lease)")
                let refusedImage = try await answer(honest, image: "docker.io/library/alpine:3.19")
                XCTAssertEqual(refusedImage, "image docker.io/library/alpine:3.19 is on a blocklist this provider follows (\(npub), on its blocklist)")

                step = "what a publisher the provider does not trust says changes nothing"
                let strangerAnswer = try await answer(strangersPick)
                XCTAssertEqual(strangerAnswer, "bid")
                let honestAnswer = try await answer(honest)
                XCTAssertEqual(honestAnswer, "bid")

                step = "live: a newer set without the tenant, and the report deleted by its author"
                try await blocklist([["image", "docker.io/library/alpine"], ["p", strangersPick.pubkey]], by: trusted, at: now + 1)
                _ = try await publish(ComputeKinds.deletion, [["e", report.id], ["k", String(ComputeKinds.tenantFeedback)]], by: trusted, at: now + 2)
                _ = try await eventually("the tenant no longer listed gets a bid", listed) { $0 == "bid" }
                _ = try await eventually("the tenant whose report was deleted gets a bid", reported) { $0 == "bid" }
                let nowListed = try await eventually("the tenant the new set lists is refused", strangersPick) { $0 != "bid" }
                XCTAssertTrue(nowListed.contains(npub), nowListed)
                XCTAssertTrue(running.logText.contains("a trusted publisher's blocklist changed"))
            } catch {
                XCTFail("at \(self.step): operator log:\n\(running.logText.suffix(5000))")
                throw error
            }
        }
    }
}
