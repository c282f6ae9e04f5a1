import ComputeAPI
import KubeClient
@testable import Operator
import XCTest

final class WorkloadDeterminismTests: XCTestCase {
    typealias F = WorkloadFixtures

    /// Building a lease twice gives the same objects, down to the bytes sent to the apiserver,
    /// so re-applying is a no-op.
    func testBuildingTwiceGivesIdenticalObjects() throws {
        let leases: [(ComputeLease, [String: String]?)] = [
            (F.cpuLease, nil), (F.gpuLease, F.envSecretData), (F.batchLease, nil),
        ]
        for (lease, secret) in leases {
            for provider in [F.provider(), F.provider(serviceType: .loadBalancer, runtimeClassName: "gvisor")] {
                let first = try F.build(lease, provider: provider, envSecretData: secret)
                let second = try F.build(lease, provider: provider, envSecretData: secret)
                XCTAssertEqual(first, second)
                XCTAssertEqual(try F.json(first.job), try F.json(second.job))
                XCTAssertEqual(try F.json(first.networkPolicies), try F.json(second.networkPolicies))
                XCTAssertEqual(try F.json(first.resourceQuota), try F.json(second.resourceQuota))
                XCTAssertEqual(try F.json(first.envSecret), try F.json(second.envSecret))
            }
        }
    }

    /// The builder reads only the spec, name and uid (and, for the Job's deadline alone, paid-until
    /// and the first payment: see WorkloadDeadlineTests): status, resourceVersion, generation and
    /// finalizers change all the time and must not change the objects.
    func testLeaseStatusAndBookkeepingDoNotChangeTheObjects() throws {
        var lease = F.cpuLease
        lease.metadata.resourceVersion = "12345"
        lease.metadata.generation = 7
        lease.metadata.finalizers = ["ncn.dev/finalizer"]
        lease.metadata.labels?["extra"] = "label"
        lease.status = ComputeLeaseStatus(phase: .running, node: "node-1", message: "running")
        XCTAssertEqual(try F.build(lease), try F.cpuWorkload)
    }

    func testEncodedObjectsCarryNoServerFields() throws {
        let workload = try F.gpuWorkload
        for json in [try F.json(workload.namespace), try F.json(workload.job), try F.json(workload.service)] {
            for field in ["\"status\"", "resourceVersion", "creationTimestamp", "nodePort", "clusterIP", "\"nodeName\""] {
                XCTAssertFalse(json.contains(field), "\(field) in \(json)")
            }
        }
    }

    func testDifferentLeasesGetDifferentNamespaces() throws {
        let a = try F.build(F.lease(name: "lease-a", spec: F.cpuLease.spec))
        let b = try F.build(F.lease(name: "lease-b", spec: F.cpuLease.spec))
        XCTAssertNotEqual(a.namespace.metadata.name, b.namespace.metadata.name)
        XCTAssertEqual(a.job.metadata.namespace, "ncn-lease-lease-a")
        XCTAssertEqual(b.service?.spec?.selector?[LeaseLabels.lease], "lease-b")
    }
}
