import ComputeAPI
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeClient
import XCTest

/// The `ncn-operator` executable as a provider runs it: with the ServiceAccount's rights only,
/// leader election on, health and metrics served, and a clean exit on SIGTERM.
final class OperatorBinaryTests: XCTestCase {
    func testServesHealthReadinessAndMetricsAndReleasesLeadershipOnSIGTERM() async throws {
        let bed = try TestBed.load()
        let kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        let kubeconfig = try await bed.withKubernetes { admin in try await admin.operatorKubeconfig() }

        let port = Int.random(in: 20000...29999)
        let running = try OperatorProcess(arguments: [
            "--kubeconfig", kubeconfig, "--leader-elect=true", "--leader-election-namespace", "ncn-system",
            "--health-probe-bind-address", "127.0.0.1:\(port)", "--metrics-bind-address", "127.0.0.1:\(port)", "--log-format", "json",
        ], podName: "it-binary-\(port)")
        let process = running.process

        func get(_ path: String) async -> (Int, String)? {
            guard let url = URL(string: "http://127.0.0.1:\(port)\(path)"),
                  let (data, response) = try? await URLSession.shared.data(from: url) else { return nil }
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
        /// Waits for `path` to answer `status` with a body starting with `prefix`.
        func eventually(_ path: String, status: Int, prefix: String = "") async -> String? {
            for _ in 0..<150 {
                if let (code, body) = await get(path), code == status, body.hasPrefix(prefix) { return body }
                try? await Task.sleep(for: .milliseconds(200))
            }
            return nil
        }

        let healthy = await eventually("/healthz", status: 200)
        let logText = { running.logText }
        XCTAssertNotNil(healthy, "healthz never answered; log: \(logText())")
        // A Lease left by a crashed replica of an earlier test must run out first: standby until then.
        let ready = await eventually("/readyz", status: 200, prefix: "leading")
        XCTAssertEqual(ready?.contains("leading; caches synced"), true, ready ?? "never ready; log: \(logText())")
        let metrics = await eventually("/metrics", status: 200) ?? ""
        XCTAssertTrue(metrics.contains("ncn_leases"), metrics)
        XCTAssertTrue(metrics.contains("ncn_leader 1"), metrics)

        let holder = try await bed.withKubernetes { admin in try await admin.get(Lease.self, name: "ncn-operator", namespace: "ncn-system").spec?.holderIdentity }
        XCTAssertEqual(holder, "it-binary-\(port)")

        process.terminate()  // SIGTERM
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        XCTAssertFalse(process.isRunning, "ncn-operator did not exit within 20 s of SIGTERM")
        XCTAssertEqual(process.terminationStatus, 0, logText())
        let released = try await bed.withKubernetes { admin in try await admin.get(Lease.self, name: "ncn-operator", namespace: "ncn-system").spec?.holderIdentity }
        XCTAssertTrue(released == nil || released == "", "the lease should be released on shutdown, holder: \(released ?? "")")
        let lines = running.logText.split(separator: "\n")
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("{") }, "--log-format json must write JSON lines only")
    }

    /// --exit-with-parent: the operator's parent killed outright (SIGKILL, as a harness killed by
    /// timeout is), the operator goes too, instead of answering the next test run's requests.
    func testExitsWhenItsParentIsKilled() async throws {
        let bed = try TestBed.load()
        let kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try installOperatorPrerequisites(kubectl)
        let kubeconfig = try await bed.withKubernetes { admin in try await admin.operatorKubeconfig() }
        let arguments = OperatorProcess.standaloneArguments(kubeconfig: kubeconfig, ["--exit-with-parent"])
        // A shell parent that starts the operator, says its pid and waits; then it is SIGKILLed.
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: "/bin/sh")
        parent.arguments = ["-c", "\"$0\" \"$@\" 2>/dev/null & echo $!; wait", OperatorProcess.binary] + arguments
        parent.environment = ["PATH": "/usr/bin:/bin", "POD_NAME": "it-orphan"]
        let output = Pipe()
        parent.standardOutput = output
        try parent.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        let pid = try XCTUnwrap(pid_t(line.trimmingCharacters(in: .whitespacesAndNewlines)), "the shell printed \(line)")
        defer { Foundation.kill(pid, SIGKILL) }
        try await Task.sleep(for: .seconds(3))
        XCTAssertEqual(Foundation.kill(pid, 0), 0, "the operator runs while its parent does")
        Foundation.kill(parent.processIdentifier, SIGKILL)
        parent.waitUntilExit()
        let gone = try await eventually("the orphaned operator to exit", timeout: .seconds(15), every: .milliseconds(200)) { () -> Bool? in
            // Gone, or a zombie of a re-parenting init that does not reap.
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
            return state == nil || state == "Z" ? true : nil
        }
        XCTAssertTrue(gone)
    }
}
