import ComputeAPI
import KubeClient
@testable import Operator
import XCTest

final class WorkloadQuotaTests: XCTestCase {
    typealias F = WorkloadFixtures

    func testCPULeaseQuotaWithNodePorts() throws {
        let quota = try F.cpuWorkload.resourceQuota
        XCTAssertEqual(quota.apiVersion, "v1")
        XCTAssertEqual(quota.kind, "ResourceQuota")
        XCTAssertEqual(quota.metadata.namespace, F.namespace)
        XCTAssertNil(quota.status)
        XCTAssertEqual(quota.spec?.hard, [
            "requests.cpu": "500m", "limits.cpu": "500m",
            "requests.memory": "1Gi", "limits.memory": "1Gi",
            "requests.nvidia.com/gpu": "0",
            "pods": "1",
            "services": "1", "services.nodeports": "2", "services.loadbalancers": "0",
            "persistentvolumeclaims": "0",
        ])
    }

    func testGPULeaseQuotaWithALoadBalancer() throws {
        let quota = try F.build(F.gpuLease, provider: F.provider(serviceType: .loadBalancer), envSecretData: [:]).resourceQuota
        XCTAssertEqual(quota.spec?.hard, [
            "requests.cpu": "8", "limits.cpu": "8",
            "requests.memory": "64Gi", "limits.memory": "64Gi",
            "requests.nvidia.com/gpu": "2",
            "pods": "1",
            // a LoadBalancer Service allocates node ports too, and the quota counts them
            "services": "1", "services.nodeports": "1", "services.loadbalancers": "1",
            "persistentvolumeclaims": "0",
        ])
    }

    func testLeaseWithoutPortsMayHaveNoService() throws {
        for serviceType in EndpointServiceType.allCases {
            let hard = try XCTUnwrap(F.build(F.batchLease, provider: F.provider(serviceType: serviceType)).resourceQuota.spec?.hard)
            XCTAssertEqual(hard["services"], "0", serviceType.rawValue)
            XCTAssertEqual(hard["services.nodeports"], "0", serviceType.rawValue)
            XCTAssertEqual(hard["services.loadbalancers"], "0", serviceType.rawValue)
            XCTAssertEqual(hard["pods"], "1")
        }
    }

    func testQuotaNeverLimitsWithALimitsPrefixForGPUs() throws {
        // The apiserver refuses `limits.<extended resource>` in a quota.
        for workload in [try F.cpuWorkload, try F.gpuWorkload] {
            let keys = try XCTUnwrap(workload.resourceQuota.spec?.hard).keys
            XCTAssertFalse(keys.contains("limits.nvidia.com/gpu"))
            XCTAssertFalse(keys.contains("nvidia.com/gpu"))
        }
    }

    func testQuotaMatchesThePodsResourcesExactly() throws {
        for workload in [try F.cpuWorkload, try F.gpuWorkload, try F.batchWorkload] {
            let hard = try XCTUnwrap(workload.resourceQuota.spec?.hard)
            let resources = try XCTUnwrap(workload.podTemplate.spec?.containers.first?.resources)
            XCTAssertEqual(hard["requests.cpu"], resources.requests?["cpu"])
            XCTAssertEqual(hard["limits.cpu"], resources.limits?["cpu"])
            XCTAssertEqual(hard["requests.memory"], resources.requests?["memory"])
            XCTAssertEqual(hard["limits.memory"], resources.limits?["memory"])
            XCTAssertEqual(hard["requests.nvidia.com/gpu"], resources.requests?["nvidia.com/gpu"] ?? "0")
            XCTAssertEqual(hard["services.nodeports"], String(workload.service?.spec?.ports?.count ?? 0))
        }
    }

    /// Disk is bounded like memory: request = limit on the container, the same in the quota and
    /// the LimitRange, so a tenant filling the disk is evicted instead of hurting its neighbours.
    func testEphemeralStorageIsLimitedWhereTheLeaseCarriesIt() throws {
        var lease = F.cpuLease
        lease.spec.resources.ephemeralStorage = "10Gi"
        let workload = try F.build(lease)
        let resources = try XCTUnwrap(workload.podTemplate.spec?.containers.first?.resources)
        XCTAssertEqual(resources.requests?["ephemeral-storage"], "10Gi")
        XCTAssertEqual(resources.limits?["ephemeral-storage"], "10Gi")
        let hard = try XCTUnwrap(workload.resourceQuota.spec?.hard)
        XCTAssertEqual(hard["requests.ephemeral-storage"], "10Gi")
        XCTAssertEqual(hard["limits.ephemeral-storage"], "10Gi")
        XCTAssertEqual(workload.limitRange.spec?.limits.first?.max?["ephemeral-storage"], "10Gi")
        // Leases from before the field keep building what they built.
        XCTAssertNil(try F.cpuWorkload.resourceQuota.spec?.hard?["limits.ephemeral-storage"])
        lease.spec.resources.ephemeralStorage = "lots"
        XCTAssertEqual(F.buildError(lease), .invalidQuantity(field: "spec.resources.ephemeralStorage", text: "lots"))
    }

    func testQuantitiesAreKeptAsWritten() throws {
        var lease = F.cpuLease
        lease.spec.resources = LeaseResources(cpu: "1.5", memory: "1536Mi")
        let workload = try F.build(lease)
        XCTAssertEqual(workload.resourceQuota.spec?.hard?["requests.cpu"], "1.5")
        XCTAssertEqual(workload.resourceQuota.spec?.hard?["limits.memory"], "1536Mi")
        XCTAssertEqual(workload.podTemplate.spec?.containers.first?.resources?.limits, ["cpu": "1.5", "memory": "1536Mi"])
    }

    // MARK: LimitRange

    func testCPULeaseLimitRange() throws {
        let limits = try F.cpuWorkload.limitRange
        XCTAssertEqual(limits.apiVersion, "v1")
        XCTAssertEqual(limits.kind, "LimitRange")
        XCTAssertEqual(limits.metadata.namespace, F.namespace)
        let amounts = ["cpu": "500m", "memory": "1Gi"]
        XCTAssertEqual(limits.spec?.limits, [LimitRange.Item(type: "Container", max: amounts, default: amounts, defaultRequest: amounts)])
        XCTAssertNil(limits.spec?.limits.first?.min)
    }

    func testGPULeaseLimitRangeIncludesGPUs() throws {
        let amounts = ["cpu": "8", "memory": "64Gi", "nvidia.com/gpu": "2"]
        XCTAssertEqual(try F.gpuWorkload.limitRange.spec?.limits,
                       [LimitRange.Item(type: "Container", max: amounts, default: amounts, defaultRequest: amounts)])
    }

    func testLimitRangeAsJSON() throws {
        XCTAssertEqual(try F.json(F.batchWorkload.limitRange.spec),
                       #"{"limits":[{"default":{"cpu":"1","memory":"256Mi"},"defaultRequest":{"cpu":"1","memory":"256Mi"},"#
                           + #""max":{"cpu":"1","memory":"256Mi"},"type":"Container"}]}"#)
    }
}
