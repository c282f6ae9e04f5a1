import ComputeAPI
import Foundation
import KubeClient
import NIOConcurrencyHelpers
import NostrBridge
import Operator
import XCTest

/// The built `ncn` binary as a tenant would run it, against the `ncn-operator` binary and the test
/// bed's relays, LNbits and NIP-47 wallet services: it rents and pays three 10 s tranches by NWC
/// on its own while forged and overpriced payment-requireds go unpaid; Ctrl-C cancels; `ncn
/// offers` ranks a provider rated by a follow above a cheaper one rated only by strangers.
final class NcnCLITests: XCTestCase {
    private var market: MarketBed?
    private var processes: [NcnProcess] = []

    override func tearDown() {
        for process in processes { process.kill() }
        market?.tearDown()
        super.tearDown()
    }

    private func ncn(_ bed: TestBed, key: SecretKey, _ arguments: [String]) throws -> NcnProcess {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-it-\(UUID().uuidString)")
        let process = try NcnProcess(arguments: arguments, environment: [
            "XDG_CONFIG_HOME": config.path, "NCN_KEY": NIP19.encodeNsec(key), "NCN_NWC": try bed.require("NCN_NWC_TENANT_URI"),
            "NCN_RELAYS": "\(try bed.require("NCN_RELAY_SDK_URL")),\(try bed.require("NCN_RELAY_PY_URL"))",
        ])
        processes.append(process)
        return process
    }

    private func runArguments(_ market: MarketBed, duration: Int) -> [String] {
        ["run", "docker.io/library/busybox:1.36", "--cpu", "500m", "--memory", "64Mi", "--gpus", "1", "--gpu-model", market.gpuModel,
         "--duration", String(duration), "--provider", NIP19.encodeNpub(market.providerKey.publicKey), "--max-price", "1000000", "--json"]
    }

    /// A payment-required for `tranche` of `request`, encrypted to the tenant, signed by `key`.
    private func demand(_ request: String, tenant: SecretKey, tranche: Int, msats: Int64, signedBy key: SecretKey) throws -> NostrEvent {
        let context = ComputeReplyContext(requestID: request, tenant: tenant.publicKey.hex, encryption: .nip44)
        // The BOLT11 specification's example invoice: right shape, and never to be paid.
        let bolt11 = "lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpuaztrnwngzn3kdzw5hydlzf03qdgm2hdq27cqv3agm2awhz5se903vruatfhq77w3ls4evs3ch9zw97j25emudupq63nyw24cg27h2rspfj9srp"
        return try ComputeFeedback.paymentRequired(context, amountMsats: msats, bolt11: bolt11, tranche: tranche).sign(with: key)
    }

    func testRunRentsAndPaysThreeTranchesByNWCAndRefusesForgedAndOverpricedDemands() async throws {
        let market = try MarketBed()
        self.market = market
        let bed = market.bed
        let tenant = SecretKey.generate()
        try await market.withProvider { admin, start in
            let running = try start()
            defer { running.kill() }
            try await Task.sleep(for: .seconds(2))
            let cli = try ncn(bed, key: tenant, runArguments(market, duration: 30))
            let published = try await cli.next("published")
            let request = try XCTUnwrap(published["request"] as? String)
            let lease = ComputeLease.name(forRequestEventId: request)
            let bid = try await cli.next("bid", timeout: .seconds(20))
            let price = try XCTUnwrap((bid["price_msats"] as? NSNumber)?.int64Value)
            XCTAssertEqual(bid["tranches"] as? Int, 3)
            _ = try await cli.next("paid", timeout: .seconds(30))
            try await market.playKubelet(admin, lease: lease)

            // Before tranche 1 is asked for: one demand from a key that never bid, one from the
            // provider's key asking ten times the bid. Neither may be paid.
            let pool = try RelayPool(relays: [try bed.require("NCN_RELAY_SDK_URL")])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pool.run() }
                defer { group.cancelAll() }
                for forged in [try demand(request, tenant: tenant, tranche: 1, msats: price, signedBy: SecretKey.generate()),
                               try demand(request, tenant: tenant, tranche: 1, msats: price * 10, signedBy: market.providerKey)] {
                    let outcomes = await pool.publish(forged)
                    XCTAssertTrue(outcomes.values.contains(where: \.isSuccess), "\(outcomes)")
                }
            }
            let stranger = try await cli.next("payment-refused", timeout: .seconds(10))
            XCTAssertTrue((stranger["why"] as? String ?? "").contains("not from the provider that bid"), "\(stranger)")
            let greedy = try await cli.next("payment-refused", timeout: .seconds(10))
            XCTAssertTrue((greedy["why"] as? String ?? "").contains("asks \(price * 10) msats, the bid's price per interval is \(price) msats"), "\(greedy)")

            let ended = try await cli.next("ended", timeout: .seconds(90))
            XCTAssertEqual(ended["status"] as? String, "completed", "\(cli.lines.joined(separator: "\n"))\n\(running.logText.suffix(3000))")
            XCTAssertEqual(ended["reason"] as? String, "duration-ended")
            XCTAssertEqual((ended["paid_msats"] as? NSNumber)?.int64Value, 3 * price, "three tranches paid, nothing more")
            XCTAssertEqual(ended["refused_payments"] as? Int, 2)
            let paid = cli.lines(of: "paid").compactMap { $0["tranche"] as? Int }
            XCTAssertEqual(paid, [0, 1, 2])
            let status = try await cli.exitStatus()
            XCTAssertEqual(status, 0, cli.stderr)
            let ledger = try await admin.get(ComputeLease.self, name: lease).status?.ledger
            XCTAssertEqual(ledger?.tranchesPaid, 3)
            XCTAssertEqual(ledger?.msatsReceived, 3 * price)
        }
    }

    func testCtrlCCancelsTheLeaseAndNothingMoreIsPaid() async throws {
        let market = try MarketBed()
        self.market = market
        let tenant = SecretKey.generate()
        try await market.withProvider { admin, start in
            let running = try start()
            defer { running.kill() }
            try await Task.sleep(for: .seconds(2))
            let cli = try ncn(market.bed, key: tenant, runArguments(market, duration: 600))
            let published = try await cli.next("published")
            let request = try XCTUnwrap(published["request"] as? String)
            let lease = ComputeLease.name(forRequestEventId: request)
            let bid = try await cli.next("bid", timeout: .seconds(20))
            let price = try XCTUnwrap((bid["price_msats"] as? NSNumber)?.int64Value)
            _ = try await cli.next("paid", timeout: .seconds(30))
            try await market.playKubelet(admin, lease: lease)
            _ = try await cli.next("running", timeout: .seconds(30))

            cli.interrupt()
            _ = try await cli.next("cancelling", timeout: .seconds(5))
            let cancelled = try await cli.next("cancelled", timeout: .seconds(30))
            XCTAssertEqual(cancelled["confirmed"] as? Bool, true, "\(cli.lines.joined(separator: "\n"))")
            XCTAssertEqual((cancelled["paid_msats"] as? NSNumber)?.int64Value, price)
            let status = try await cli.exitStatus()
            XCTAssertEqual(status, 130, "Ctrl-C's exit status")
            let ended = try await eventually("the lease to end cancelled", timeout: .seconds(20)) { () -> ComputeLease? in
                let leased = try await admin.get(ComputeLease.self, name: lease)
                return leased.status?.terminationReason == nil ? nil : leased
            }
            XCTAssertEqual(ended.status?.terminationReason, .tenantCancelled)
            // Past the time tranche 1 would have been asked for: still one tranche paid.
            try await Task.sleep(for: .seconds(8))
            let after = try await admin.get(ComputeLease.self, name: lease)
            XCTAssertEqual(after.status?.ledger?.tranchesPaid, 1)
        }
    }

    /// `ncn cancel` after `ncn run` died: only the bidder's `terminated` confirms it. A stranger's,
    /// arriving while the provider is down, does not; the provider's own, once it is back, does.
    func testCancelAfterRunDiedIsConfirmedByTheBidderAloneNotByAForgedTerminated() async throws {
        let market = try MarketBed()
        self.market = market
        let bed = market.bed
        let tenant = SecretKey.generate()
        // 60 s tranches: the lease must not lapse unpaid while nothing pays after the kill.
        try await market.withProvider({ $0.billing = BillingSettings(intervalSeconds: 60, graceSeconds: 3, invoiceLeadSeconds: 5) }) { admin, start in
            let running = try start()
            defer { running.kill() }
            try await Task.sleep(for: .seconds(2))
            let cli = try ncn(bed, key: tenant, runArguments(market, duration: 600))
            let published = try await cli.next("published")
            let request = try XCTUnwrap(published["request"] as? String)
            let lease = ComputeLease.name(forRequestEventId: request)
            _ = try await cli.next("paid", timeout: .seconds(30))
            try await market.playKubelet(admin, lease: lease)
            _ = try await cli.next("running", timeout: .seconds(30))
            cli.kill()
            _ = try await cli.exitStatus()

            // The provider is down too, so only a forged answer could "confirm": it must not.
            running.kill()
            let cancel = try ncn(bed, key: tenant, ["cancel", request, "--wait", "10", "--json"])
            try await Task.sleep(for: .seconds(4))  // ncn cancel has read the bid and is waiting
            let pool = try RelayPool(relays: [try bed.require("NCN_RELAY_SDK_URL"), try bed.require("NCN_RELAY_PY_URL")])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pool.run() }
                defer { group.cancelAll() }
                let context = ComputeReplyContext(requestID: request, tenant: tenant.publicKey.hex, encryption: .nip44)
                let forged = try ComputeResult.ended(context, reason: .cancelled).sign(with: SecretKey.generate())
                let outcomes = await pool.publish(forged)
                XCTAssertTrue(outcomes.values.contains(where: \.isSuccess), "\(outcomes)")
            }
            let unconfirmed = try await cancel.next("cancel", timeout: .seconds(20))
            XCTAssertEqual(unconfirmed["confirmed"] as? Bool, false, "a stranger's terminated confirmed it: \(cancel.lines.joined(separator: "\n"))")
            let unconfirmedStatus = try await cancel.exitStatus()
            XCTAssertEqual(unconfirmedStatus, 0, cancel.stderr)

            // The provider back: its own terminated confirms a second ncn cancel.
            let again = try start()
            defer { again.kill() }
            let confirmedCancel = try ncn(bed, key: tenant, ["cancel", request, "--wait", "30", "--json"])
            let answer = try await confirmedCancel.next("cancel", timeout: .seconds(45))
            XCTAssertEqual(answer["confirmed"] as? Bool, true, "\(confirmedCancel.lines.joined(separator: "\n"))\n\(confirmedCancel.stderr)")
            XCTAssertEqual(answer["status"] as? String, "terminated")
            XCTAssertEqual(answer["reason"] as? String, "cancelled")
            let leased = try await admin.get(ComputeLease.self, name: lease)
            XCTAssertEqual(leased.status?.terminationReason, .tenantCancelled)
            let status = try await confirmedCancel.exitStatus()
            XCTAssertEqual(status, 0, confirmedCancel.stderr)
        }
    }

    func testOffersRankAProviderRatedByAFollowAboveACheaperOneRatedByStrangers() async throws {
        let bed = try TestBed.load()
        let relay = try bed.require("NCN_RELAY_SDK_URL")
        let model = "IT-NCN-\(UInt32.random(in: 0 ... .max))"
        let tenant = SecretKey.generate(), follow = SecretKey.generate()
        let trusted = SecretKey.generate(), cheap = SecretKey.generate()
        let strangers = [SecretKey.generate(), SecretKey.generate(), SecretKey.generate()]
        let now = NostrEvent.currentTimestamp()

        func offer(_ key: SecretKey, gpuHour: Int64) throws -> NostrEvent {
            try ComputeOffer(
                identifier: "default", capacity: ComputeCapacity(cpuMillicoresFree: 8000, cpuMillicoresTotal: 8000, memoryBytesFree: 32 << 30,
                                                                  memoryBytesTotal: 32 << 30, gpus: [ComputeGPUCapacity(model: model, free: 2, total: 2)]),
                prices: ComputePrices(msatsPerCpuHour: 1_000, msatsPerGiBHour: 1_000, msatsPerGpuHour: [model: gpuHour]),
                intervalSeconds: 600, graceSeconds: 60, rails: [.lightning], expiration: now + 600).sign(with: key)
        }
        /// A request by `rater`, the provider's bid on it, and the rater's kind 7900.
        func dealing(_ rater: SecretKey, _ provider: SecretKey, stars: Int) throws -> [NostrEvent] {
            let request = try EventBuilder(kind: 5900, tags: [["param", "image", "busybox"], ["param", "cpu", "1"], ["param", "memory", "1Gi"],
                                                              ["param", "duration", "600"], ["bid", "1000000"]]).sign(with: rater)
            let bid = try ComputeResult.bid(ComputeReplyContext(requestID: request.id, tenant: rater.publicKey.hex),
                                            ComputeBid(pricePerIntervalMsats: 1000, intervalSeconds: 600, graceSeconds: 60, durationSeconds: 600,
                                                       expiresAt: now + 600, rail: .lightning)).sign(with: provider)
            let rating = try ComputeRating(requestID: request.id, provider: provider.publicKey.hex, rating: stars, comment: "it test").eventBuilder().sign(with: rater)
            return [request, bid, rating]
        }
        var events = [try offer(trusted, gpuHour: 1_000_000), try offer(cheap, gpuHour: 800_000),
                      try EventBuilder(kind: 3, tags: [["p", follow.publicKey.hex]]).sign(with: tenant)]
        events += try dealing(follow, trusted, stars: 5)
        for stranger in strangers { events += try dealing(stranger, cheap, stars: 5) }

        let pool = try RelayPool(relays: [relay])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            defer { group.cancelAll() }
            for event in events {
                let outcomes = await pool.publish(event)
                XCTAssertTrue(outcomes.values.contains(where: \.isSuccess), "kind \(event.kind): \(outcomes)")
            }
        }

        let cli = try ncn(bed, key: tenant, ["offers", "--gpus", "1", "--gpu-model", model, "--relay", relay, "--json"])
        let status = try await cli.exitStatus()
        XCTAssertEqual(status, 0, cli.stderr)
        let offers = try XCTUnwrap(cli.objects.last?["offers"] as? [[String: Any]], cli.lines.joined(separator: "\n"))
        XCTAssertEqual(offers.map { $0["provider"] as? String }, [trusted.publicKey.hex, cheap.publicKey.hex], "\(offers)")
        XCTAssertEqual(offers[0]["raters_by_closeness"] as? [String: Int], ["follow": 1])
        XCTAssertEqual(offers[1]["raters_by_closeness"] as? [String: Int], ["stranger": 3])
        XCTAssertEqual(offers[1]["answered"] as? Int, 3, "each stranger's request got a bid from the provider it rated")
        XCTAssertLessThan(try XCTUnwrap(offers[1]["msats_per_hour"] as? Int), try XCTUnwrap(offers[0]["msats_per_hour"] as? Int))

        // The human form says the same, with the score and where the ratings come from.
        let human = try ncn(bed, key: tenant, ["offers", "--gpus", "1", "--gpu-model", model, "--relay", relay])
        _ = try await human.exitStatus()
        let text = human.lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("score 4.00 from 1 rater (1 follow; 1 about leases it answered)"), text)
    }
}

/// The `ncn` executable as a child process; its stdout lines are collected as they come.
final class NcnProcess: @unchecked Sendable {  // `process` is only touched in init, interrupt() and kill()
    static var binary: String { TestBed.packageRoot.appendingPathComponent(".build/debug/ncn").path }

    private let process = Process()
    private let state = NIOLockedValueBox((pending: Data(), lines: [String](), consumed: Set<Int>(), stderr: Data(), exit: Int32?.none))

    init(arguments: [String], environment: [String: String]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw NSError(domain: "NcnProcess", code: 1, userInfo: [NSLocalizedDescriptionKey: "build ncn first: swift build --product ncn"])
        }
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let state = self.state
        output.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty { handle.readabilityHandler = nil }
            state.withLockedValue { state in
                state.pending.append(chunk)
                while let newline = state.pending.firstIndex(of: UInt8(ascii: "\n")) {
                    state.lines.append(String(decoding: state.pending[state.pending.startIndex..<newline], as: UTF8.self))
                    state.pending = Data(state.pending[state.pending.index(after: newline)...])
                }
            }
        }
        errors.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty { handle.readabilityHandler = nil }
            state.withLockedValue { $0.stderr.append(chunk) }
        }
        process.terminationHandler = { process in state.withLockedValue { $0.exit = process.terminationStatus } }
        try process.run()
    }

    var lines: [String] { state.withLockedValue { $0.lines } }
    var stderr: String { state.withLockedValue { String(decoding: $0.stderr, as: UTF8.self) } }
    var objects: [[String: Any]] { lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } }

    func lines(of event: String) -> [[String: Any]] { objects.filter { $0["event"] as? String == event } }

    /// The earliest JSON line with this `event` not returned before.
    func next(_ event: String, timeout: Duration = .seconds(15)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found: [String: Any]? = state.withLockedValue { state in
                for (index, line) in state.lines.enumerated() where !state.consumed.contains(index) {
                    guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], object["event"] as? String == event
                    else { continue }
                    state.consumed.insert(index)
                    return object
                }
                return nil
            }
            if let found { return found }
            if state.withLockedValue({ $0.exit }) != nil, state.withLockedValue({ $0.pending.isEmpty }) {
                try await Task.sleep(for: .milliseconds(200))
                if state.withLockedValue({ state in state.lines.indices.contains { !state.consumed.contains($0) } }) { continue }
                throw NcnProcessError(what: "\(event): ncn exited", lines: lines, stderr: stderr)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw NcnProcessError(what: "\(event): timed out after \(timeout)", lines: lines, stderr: stderr)
    }

    func exitStatus(timeout: Duration = .seconds(60)) async throws -> Int32 {
        try await eventually("ncn to exit", timeout: timeout, every: .milliseconds(50)) { self.state.withLockedValue { $0.exit } }
    }

    func interrupt() { if process.isRunning { Foundation.kill(process.processIdentifier, SIGINT) } }
    func kill() { if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) } }
}

struct NcnProcessError: Error, CustomStringConvertible {
    let what: String
    let lines: [String]
    let stderr: String
    var description: String { "waiting for \(what); stdout:\n\(lines.joined(separator: "\n"))\nstderr:\n\(stderr)" }
}
