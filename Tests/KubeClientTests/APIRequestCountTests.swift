import KubeClient
import XCTest

final class APIRequestCountTests: XCTestCase {
    func testResourceOfEachPathShape() {
        let cases: [(String, String)] = [
            ("/api/v1/pods", "pods"),
            ("/api/v1/namespaces", "namespaces"),
            ("/api/v1/namespaces/ncn-lease-x", "namespaces"),
            ("/api/v1/namespaces/ncn-lease-x/pods", "pods"),
            ("/api/v1/namespaces/ncn-lease-x/pods/workload-1/log", "pods/log"),
            ("/apis/ncn.dev/v1alpha1/computeleases", "computeleases"),
            ("/apis/ncn.dev/v1alpha1/computeleases/lease-abc/status", "computeleases/status"),
            ("/apis/batch/v1/namespaces/ncn-lease-x/jobs/workload", "jobs"),
            ("/apis/coordination.k8s.io/v1/namespaces/ncn-system/leases/ncn-operator", "leases"),
            ("/version", "other"),
            ("/apis", "other"),
        ]
        for (path, resource) in cases {
            XCTAssertEqual(APIRequestCount.resource(ofPath: path), resource, path)
        }
    }
}
