import Foundation
@testable import KubeClient
import XCTest

final class KubeConfigTests: XCTestCase {
    private let caBase64 = Data("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8).base64EncodedString()

    private func config(user: String, extraContexts: String = "", current: String = "dev") -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: c1
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority-data: \(caBase64)
        contexts:
        - name: dev
          context: {cluster: c1, user: u1}
        \(extraContexts)
        users:
        - name: u1
          user:
        \(user)
        current-context: \(current)
        """
    }

    func testReadsTokenAndInlineCA() throws {
        let connection = try ClusterConnection.kubeconfig(yaml: config(user: "    token: abc"), baseDirectory: "/tmp")
        XCTAssertEqual(connection.server.absoluteString, "https://127.0.0.1:6443")
        XCTAssertEqual(connection.certificateAuthorityPEM.map { String(decoding: $0, as: UTF8.self) }?.hasPrefix("-----BEGIN"), true)
        guard case .bearerToken("abc") = connection.credentials else { return XCTFail("\(connection.credentials)") }
    }

    func testReadsClientCertificateFilesRelativeToTheKubeconfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("CERT".utf8).write(to: dir.appendingPathComponent("client.crt"))
        try Data("KEY".utf8).write(to: dir.appendingPathComponent("client.key"))
        let yaml = config(user: "    client-certificate: client.crt\n    client-key: client.key")
        let connection = try ClusterConnection.kubeconfig(yaml: yaml, baseDirectory: dir.path)
        guard case let .clientCertificate(cert, key) = connection.credentials else { return XCTFail("\(connection.credentials)") }
        XCTAssertEqual(cert, Array("CERT".utf8))
        XCTAssertEqual(key, Array("KEY".utf8))
    }

    func testClearErrors() {
        XCTAssertThrowsError(try ClusterConnection.kubeconfig(yaml: config(user: "    token: x", current: "prod"), baseDirectory: "/")) {
            XCTAssertEqual($0 as? KubeConfigError, .missingEntry(kind: "context", name: "prod"))
        }
        XCTAssertThrowsError(try ClusterConnection.kubeconfig(yaml: config(user: "    exec: {command: aws}"), baseDirectory: "/")) {
            XCTAssertEqual($0 as? KubeConfigError, .unsupportedAuth(user: "u1"))
        }
        XCTAssertThrowsError(try ClusterConnection.kubeconfig(yaml: "::: not yaml", baseDirectory: "/")) {
            XCTAssertTrue("\($0)".contains("malformed"), "\($0)")
        }
        XCTAssertThrowsError(try ClusterConnection.automatic(environment: ["HOME": "/nonexistent"])) {
            XCTAssertTrue("\($0)".contains("set KUBECONFIG"), "\($0)")
        }
    }

    func testInClusterNeedsTheServiceEnvironment() throws {
        XCTAssertThrowsError(try ClusterConnection.inCluster(environment: [:])) {
            XCTAssertEqual($0 as? KubeConfigError, .notInCluster)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("tok1\n".utf8).write(to: dir.appendingPathComponent("token"))
        try Data("CA".utf8).write(to: dir.appendingPathComponent("ca.crt"))
        let connection = try ClusterConnection.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"], directory: dir.path)
        XCTAssertEqual(connection.server.absoluteString, "https://[fd00::1]:443")
        let tokens = BearerTokenSource(credentials: connection.credentials)
        XCTAssertEqual(try tokens.current(), "tok1")
        // The kubelet rotates projected tokens by replacing the file.
        Thread.sleep(forTimeInterval: 1.1)
        try Data("tok2".utf8).write(to: dir.appendingPathComponent("token"))
        XCTAssertEqual(try tokens.current(), "tok2")
    }

    func testResourcePaths() {
        let pods = ResourceDescriptor(group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true)
        XCTAssertEqual(pods.path(namespace: "a", name: "p", subresource: "status"), "/api/v1/namespaces/a/pods/p/status")
        XCTAssertEqual(pods.path(), "/api/v1/pods")
        let leases = ResourceDescriptor(group: "compute.nostr.dev", version: "v1alpha1", plural: "computeleases", kind: "ComputeLease", namespaced: false)
        XCTAssertEqual(leases.path(namespace: "ignored", name: "x"), "/apis/compute.nostr.dev/v1alpha1/computeleases/x")
        XCTAssertEqual(leases.apiVersion, "compute.nostr.dev/v1alpha1")
    }
}

final class PatchEncodingTests: XCTestCase {
    func testApplyBodiesAreValidYAMLBecauseSlashesAreNotEscaped() throws {
        let object = ConfigMap(metadata: ObjectMeta(name: "x", labels: ["ncn.dev/lease": "a/b"]))
        let patch = try Patch.apply(encoding: object, fieldManager: "m")
        let body = String(decoding: try patch.body(), as: UTF8.self)
        XCTAssertFalse(body.contains("\\/"), body)
        XCTAssertTrue(body.contains("\"ncn.dev/lease\":\"a/b\""), body)
        XCTAssertEqual(patch.contentType, "application/apply-patch+yaml")
        XCTAssertEqual(patch.query.map(\.0), ["fieldManager", "force"])
    }
}
