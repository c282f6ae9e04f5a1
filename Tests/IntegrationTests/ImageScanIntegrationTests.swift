import ComputeAPI
import Foundation
import KubeClient
import NostrBridge
import Operator
import XCTest

/// The image-scanning hook against real parts: the operator binary resolves each paid lease's
/// image to its digest at the test bed's registry and asks a scanner built on Debian's ClamAV
/// (testbed/scanner/clamav_scanner.py, which fetches every layer and runs clamscan on it). The
/// image carrying the EICAR test file ends `terminated`/`policy-violation` before anything runs;
/// a clean image runs pinned to the digest that was scanned, and is not scanned twice.
final class ImageScanIntegrationTests: MarketBedTestCase {
    func testAFlaggedImageEndsThePaidLeaseUnrunAndACleanOneRunsItsScannedDigestOnce() async throws {
        let bed = market.bed
        let registry = try bed.require("NCN_REGISTRY")
        let clean = try bed.require("NCN_IMAGE_HTTP_ECHO"), flagged = try bed.require("NCN_IMAGE_EICAR")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/clamscan") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { return XCTFail("clamscan is missing: scripts/install-deps") }
            throw XCTSkip("clamscan is missing: scripts/install-deps")
        }
        let scanner = try ScannerProcess(registry: registry)
        defer { scanner.stop() }

        try await market.withProvider({ spec in
            spec.policy.imageScan = ImageScanSettings(url: scanner.url, timeoutSeconds: 120, plainHTTPRegistries: [registry])
        }) { admin, start in
            let running = try start()
            defer { running.kill() }
            let provider = market.provider
            let tenant = try TenantClient(bed: bed)

            /// A paid lease of `image`: its name and the tenant's watch.
            func paidLease(_ image: String) async throws -> (String, TenantWatch) {
                let request = try await tenant.request(TenantRequest(image: image, cpu: "100m", memory: "64Mi", provider: provider))
                let watch = try await tenant.watch(request: request.id, provider: provider, until: ["terminated"])
                try await market.pay(try await watch.next(status: "payment-required", kind: 7000))
                return (ComputeLease.name(forRequestEventId: request.id), watch)
            }
            func job(of lease: String) async -> Job? {
                try? await admin.get(Job.self, name: LeaseObjectNames.job, namespace: LeaseWorkloadBuilder.namespaceName(forLease: lease))
            }
            do {
                step = "the image with the EICAR file"
                let (denied, deniedWatch) = try await paidLease(flagged)
                defer { deniedWatch.stop() }
                let ended = try await deniedWatch.next(status: "terminated", kind: 6900, timeout: .seconds(90))
                XCTAssertEqual(ended.reason, "policy-violation")
                let text = ended.statusText ?? ""
                XCTAssertTrue(text.contains("ClamAV") && text.contains("Eicar-Test-Signature"), text)
                XCTAssertTrue(text.contains("\(registry)/ncn/eicar@sha256:"), "the digest that was scanned: \(text)")
                XCTAssertTrue(text.contains("not refunded"), "the draft (§7.6): a provider without refunds says so: \(text)")
                let deniedJob = await job(of: denied)
                XCTAssertNil(deniedJob, "nothing of a denied image ran")

                step = "a clean image"
                let (allowed, allowedWatch) = try await paidLease(clean)
                defer { allowedWatch.stop() }
                let created = try await eventually("the clean lease's Job", timeout: .seconds(90)) { await job(of: allowed) }
                let image = try XCTUnwrap(created.spec?.template.spec?.containers.first?.image)
                XCTAssertTrue(image.hasPrefix("\(registry)/ncn/http-echo@sha256:"), image)
                let lease = try await admin.get(ComputeLease.self, name: allowed)
                XCTAssertEqual(lease.status?.imageScan?.verdict, .allowed)
                XCTAssertEqual(lease.status?.imageScan?.image, image)

                step = "the same clean image again: its digest is not scanned twice"
                let (again, againWatch) = try await paidLease(clean)
                defer { againWatch.stop() }
                let againJob = try await eventually("the second clean lease's Job", timeout: .seconds(60)) { await job(of: again) }
                XCTAssertEqual(againJob.spec?.template.spec?.containers.first?.image, image)
                let scans = try await scanner.stats()
                XCTAssertEqual(scans.count, 2, "one scan per digest: \(scans)")
                XCTAssertEqual(Set(scans.map { $0.components(separatedBy: "@").first ?? "" }), ["\(registry)/ncn/eicar", "\(registry)/ncn/http-echo"])
            } catch {
                XCTFail("at \(self.step): operator log:\n\(running.logText.suffix(5000))\nscanner log:\n\(scanner.logText.suffix(2000))")
                throw error
            }
        }
    }
}

/// testbed/scanner/clamav_scanner.py on a free local port, its log in a file.
private final class ScannerProcess {
    let process = Process()
    let url: String
    let log: URL

    init(registry: String) throws {
        let port = OperatorProcess.freeLocalPort()
        url = "http://127.0.0.1:\(port)/"
        log = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-scanner-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [TestBed.packageRoot.appendingPathComponent("testbed/scanner/clamav_scanner.py").path,
                             "--listen", "127.0.0.1:\(port)", "--plain-http", registry]
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 where (try? Data(contentsOf: URL(string: url + "stats")!)) == nil {
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// The images scanned so far.
    func stats() async throws -> [String] {
        struct Stats: Decodable { var images: [String] }
        return try JSONDecoder().decode(Stats.self, from: Data(contentsOf: URL(string: url + "stats")!)).images
    }

    func stop() {
        // SIGKILL, as OperatorProcess does: a SIGTERM the test process ignores is ignored by its children too.
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: log)
    }
}
