import KubeClient
import XCTest

/// Talks to the test bed's real kube-apiserver (v1.20.2, RBAC on, token auth).
final class KubernetesAPIServerTests: XCTestCase {
    func testListsNamespacesWithTheAdminKubeconfig() async throws {
        let bed = try TestBed.load()
        let connection = try ClusterConnection.kubeconfig(path: try bed.require("NCN_KUBECONFIG"))
        let client = try KubernetesClient(connection: connection)
        do {
            let namespaces = try await client.list(Namespace.self)
            let names = Set(namespaces.items.compactMap(\.metadata.name))
            XCTAssertTrue(names.isSuperset(of: ["default", "kube-system"]), "namespaces: \(names)")
            XCTAssertNotNil(namespaces.metadata.resourceVersion)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func testCreatesAndDeletesANamespaceAndDecodesNotFound() async throws {
        let bed = try TestBed.load()
        let client = try KubernetesClient(connection: .kubeconfig(path: try bed.require("NCN_KUBECONFIG")))
        let name = "ncn-it-\(UInt32.random(in: 0...UInt32.max))"
        do {
            let created = try await client.create(Namespace(metadata: ObjectMeta(name: name, labels: ["ncn.test": "yes"])))
            XCTAssertEqual(created.metadata.labels?["ncn.test"], "yes")
            XCTAssertNotNil(created.metadata.uid)
            do {
                _ = try await client.create(Namespace(metadata: ObjectMeta(name: name)))
                XCTFail("creating it twice must fail")
            } catch let error as KubernetesError {
                XCTAssertTrue(error.isAlreadyExists, "\(error)")
            }
            try await client.delete(Namespace.self, name: name)
            do {
                _ = try await client.get(Namespace.self, name: "ncn-it-does-not-exist")
                XCTFail("expected 404")
            } catch let error as KubernetesError {
                XCTAssertTrue(error.isNotFound)
                XCTAssertEqual(error.status?.reason, "NotFound")
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func testAnUnknownTokenIsRefusedWithAStatus() async throws {
        let bed = try TestBed.load()
        var connection = try ClusterConnection.kubeconfig(path: try bed.require("NCN_KUBECONFIG"))
        connection.credentials = .bearerToken("not-a-real-token")
        let client = try KubernetesClient(connection: connection)
        do {
            _ = try await client.list(Namespace.self)
            XCTFail("a bad token must be refused")
        } catch let error as KubernetesError {
            XCTAssertEqual(error.statusCode, 401)
        }
        try await client.shutdown()
    }
}
