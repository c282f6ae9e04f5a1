import Foundation
import KubeClient
import XCTest

/// Patch flavours, preconditions and pagination against the real apiserver.
final class KubernetesPatchTests: XCTestCase {
    func testMergePatchJSONPatchWithTestAndServerSideApplyConflicts() async throws {
        let bed = try TestBed.load()
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { ns in
                _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "p", namespace: ns), data: ["a": "1", "b": "2"]))

                struct DataPatch: Encodable { var data: [String: String?] }
                var patched = try await client.patch(ConfigMap.self, name: "p", namespace: ns, .merge(encoding: DataPatch(data: ["a": "10", "b": nil])))
                XCTAssertEqual(patched.data, ["a": "10"])

                patched = try await client.patch(ConfigMap.self, name: "p", namespace: ns,
                                                 .json([try .test("/data/a", "10"), try .replace("/data/a", "11")]))
                XCTAssertEqual(patched.data?["a"], "11")
                do {
                    _ = try await client.patch(ConfigMap.self, name: "p", namespace: ns,
                                               .json([try .test("/data/a", "stale"), try .replace("/data/a", "12")]))
                    XCTFail("a failing test op must reject the patch")
                } catch let error as KubernetesError {
                    XCTAssertTrue([409, 422, 500].contains(error.statusCode), "\(error)")
                }
                let unchanged = try await client.get(ConfigMap.self, name: "p", namespace: ns)
                XCTAssertEqual(unchanged.data?["a"], "11")

                let first = ConfigMap(metadata: ObjectMeta(name: "ssa", namespace: ns), data: ["owned": "by-one"])
                _ = try await client.apply(first, fieldManager: "manager-one", force: false)
                let rival = ConfigMap(metadata: ObjectMeta(name: "ssa", namespace: ns), data: ["owned": "by-two"])
                do {
                    _ = try await client.apply(rival, fieldManager: "manager-two", force: false)
                    XCTFail("a second manager changing an owned field must conflict")
                } catch let error as KubernetesError {
                    XCTAssertEqual(error.statusCode, 409)
                    XCTAssertTrue(error.isConflict, "\(error)")
                }
                let forced = try await client.apply(rival, fieldManager: "manager-two", force: true)
                XCTAssertEqual(forced.data?["owned"], "by-two")
            }
        }
    }

    func testReplaceWithAStaleVersionConflictsAndDeletePreconditionsHold() async throws {
        let bed = try TestBed.load()
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { ns in
                let original = try await client.create(ConfigMap(metadata: ObjectMeta(name: "cas", namespace: ns), data: ["v": "1"]))
                var newer = original
                newer.data = ["v": "2"]
                _ = try await client.replace(newer)
                var stale = original
                stale.data = ["v": "3"]
                do {
                    _ = try await client.replace(stale)
                    XCTFail("a stale resourceVersion must conflict")
                } catch let error as KubernetesError {
                    XCTAssertTrue(error.isConflict, "\(error)")
                }
                do {
                    try await client.delete(ConfigMap.self, name: "cas", namespace: ns, preconditionUID: "00000000-0000-0000-0000-000000000000")
                    XCTFail("a wrong uid precondition must refuse the delete")
                } catch let error as KubernetesError {
                    XCTAssertEqual(error.statusCode, 409)
                }
                try await client.delete(ConfigMap.self, name: "cas", namespace: ns, propagation: .foreground, preconditionUID: original.metadata.uid)
            }
        }
    }

    func testListFollowsContinueTokens() async throws {
        let bed = try TestBed.load()
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { ns in
                for index in 0..<7 {
                    _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "page-\(index)", namespace: ns, labels: ["set": "paged"])))
                }
                let firstPage = try await client.list(ConfigMap.self, namespace: ns, labelSelector: "set=paged", limit: 3)
                XCTAssertEqual(firstPage.items.count, 3)
                XCTAssertNotNil(firstPage.metadata.continue)
                let all = try await client.listAll(ConfigMap.self, namespace: ns, labelSelector: "set=paged", pageSize: 3)
                XCTAssertEqual(all.count, 7)
                let none = try await client.listAll(ConfigMap.self, namespace: ns, fieldSelector: "metadata.name=page-9")
                XCTAssertTrue(none.isEmpty)
            }
        }
    }
}
