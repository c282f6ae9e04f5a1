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
        try kubectl.run("apply", "-f", CRDManifestTests.path("crds"))
        try kubectl.run("wait", "--for", "condition=established", "--timeout=60s", "crd/computeleases.ncn.dev")
        for manifest in ["00-namespace", "10-serviceaccount", "20-clusterrole", "21-clusterrolebinding", "22-leader-election-role", "23-leader-election-rolebinding"] {
            try kubectl.run("apply", "-f", CRDManifestTests.path("manifests/\(manifest).yaml"))
        }
        let binary = TestBed.packageRoot.appendingPathComponent(".build/debug/ncn-operator").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            return XCTFail("build the operator first: swift build --product ncn-operator")
        }
        let kubeconfig = try await bed.withKubernetes { admin in try await serviceAccountKubeconfig(admin) }

        let port = Int.random(in: 20000...29999)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--kubeconfig", kubeconfig, "--leader-elect=true", "--leader-election-namespace", "ncn-system",
            "--health-probe-bind-address", "127.0.0.1:\(port)", "--metrics-bind-address", "127.0.0.1:\(port)", "--log-format", "json",
        ]
        process.environment = ["POD_NAME": "it-binary-\(port)", "PATH": "/usr/bin:/bin"]
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-operator-\(port).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        func get(_ path: String) async -> (Int, String)? {
            guard let url = URL(string: "http://127.0.0.1:\(port)\(path)"),
                  let (data, response) = try? await URLSession.shared.data(from: url) else { return nil }
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
        func eventually(_ path: String, status: Int) async -> String? {
            for _ in 0..<150 {
                if let (code, body) = await get(path), code == status { return body }
                try? await Task.sleep(for: .milliseconds(200))
            }
            return nil
        }

        let healthy = await eventually("/healthz", status: 200)
        let logText = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        XCTAssertNotNil(healthy, "healthz never answered; log: \(logText())")
        let ready = await eventually("/readyz", status: 200)
        XCTAssertEqual(ready?.contains("leading; caches synced"), true, ready ?? "never ready; log: \(logText())")
        let metrics = await eventually("/metrics", status: 200) ?? ""
        XCTAssertTrue(metrics.contains("ncn_leases"), metrics)

        let holder = try await bed.withKubernetes { admin in try await admin.get(Lease.self, name: "ncn-operator", namespace: "ncn-system").spec?.holderIdentity }
        XCTAssertEqual(holder, "it-binary-\(port)")

        process.terminate()  // SIGTERM
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        XCTAssertFalse(process.isRunning, "ncn-operator did not exit within 20 s of SIGTERM")
        XCTAssertEqual(process.terminationStatus, 0, logText())
        let released = try await bed.withKubernetes { admin in try await admin.get(Lease.self, name: "ncn-operator", namespace: "ncn-system").spec?.holderIdentity }
        XCTAssertTrue(released == nil || released == "", "the lease should be released on shutdown, holder: \(released ?? "")")
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("{") }, "--log-format json must write JSON lines only")
    }

    /// A kubeconfig holding the ncn-operator ServiceAccount's token.
    private func serviceAccountKubeconfig(_ admin: KubernetesClient) async throws -> String {
        let token = try await admin.serviceAccountToken("ncn-operator", namespace: "ncn-system")
        let ca = Data(try XCTUnwrap(admin.connection.certificateAuthorityPEM)).base64EncodedString()
        let yaml = """
            apiVersion: v1
            kind: Config
            clusters: [{name: bed, cluster: {server: "\(admin.connection.server.absoluteString)", certificate-authority-data: \(ca)}}]
            users: [{name: operator, user: {token: "\(token)"}}]
            contexts: [{name: operator, context: {cluster: bed, user: operator}}]
            current-context: operator
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-operator-\(UUID().uuidString).kubeconfig").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
