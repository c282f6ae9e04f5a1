import ComputeAPI
import KubeClient
import XCTest

final class LeaseHelpersTests: XCTestCase {
    func testDerivedLabelsFeedTheColumns() {
        let lease = Fixtures.fullLease
        XCTAssertEqual(lease.metadata.labels?["ncn.dev/tenant"], "3bf0c63fcb934634")
        XCTAssertEqual(lease.metadata.labels?["ncn.dev/gpu"], "2xNVIDIA-H100-80GB-HBM3")
    }

    func testGPULabelGoesWhenTheGPUsDo() {
        var lease = Fixtures.fullLease
        lease.metadata.labels?["team"] = "kept"
        lease.spec.resources.gpus = 0
        lease.spec.resources.gpuModel = nil
        lease.refreshDerivedLabels()
        XCTAssertNil(lease.metadata.labels?["ncn.dev/gpu"])
        XCTAssertEqual(lease.metadata.labels?["team"], "kept")
    }

    func testGPULabelStaysAValidLabelValue() {
        var spec = Fixtures.fullLease.spec
        spec.resources.gpuModel = String(repeating: "A", count: 60) + "-B-C"
        let value = ComputeLease.derivedLabels(for: spec)["ncn.dev/gpu"]!
        XCTAssertLessThanOrEqual(value.count, 63)
        XCTAssertTrue(value.last!.isLetter || value.last!.isNumber, value)
        spec.resources.gpuModel = nil
        XCTAssertEqual(ComputeLease.derivedLabels(for: spec)["ncn.dev/gpu"], "2x")
    }

    func testLeaseNameIsDerivedFromTheRequest() {
        XCTAssertEqual(ComputeLease.name(forRequestEventId: Fixtures.request), "lease-b6f6f5ef1d4b3c9e8f0a")
    }

    func testSettingAConditionKeepsItsTransitionTimeUnlessTheStatusChanges() {
        let start = Fixtures.time
        var conditions = [Condition(type: .ready, status: .false, reason: "Pending", lastTransitionTime: start)]
        XCTAssertTrue(conditions.set(Condition(type: .ready, status: .false, reason: "Pulling", lastTransitionTime: start.adding(seconds: 5))))
        XCTAssertEqual(conditions[.ready]?.lastTransitionTime, start)
        XCTAssertEqual(conditions[.ready]?.reason, "Pulling")
        XCTAssertFalse(conditions.set(Condition(type: .ready, status: .false, reason: "Pulling", lastTransitionTime: start.adding(seconds: 9))))
        XCTAssertTrue(conditions.set(Condition(type: .ready, status: .true, reason: "PodReady", lastTransitionTime: start.adding(seconds: 10))))
        XCTAssertEqual(conditions[.ready]?.lastTransitionTime, start.adding(seconds: 10))
        XCTAssertTrue(conditions.set(Condition(type: .paid, status: .true, reason: "TranchePaid")))
        XCTAssertEqual(conditions.count, 2)
    }

    func testEndpointsAndTheirSummaryMoveTogether() {
        var status = ComputeLeaseStatus()
        status.setEndpoints([LeaseEndpoint(host: "2001:db8::1", port: 30022)])
        XCTAssertEqual(status.primaryEndpoint, "[2001:db8::1]:30022")
        status.setEndpoints(nil)
        XCTAssertNil(status.primaryEndpoint)
    }

    func testTerminalPhases() {
        XCTAssertEqual(LeasePhase.allCases.filter(\.isTerminal), [.succeeded, .failed, .expired, .terminated])
    }

    func testPolicyHelpers() {
        let policy = WorkloadPolicy(allowedRegistries: ["ghcr.io/org"], blockedTenants: [Fixtures.tenant])
        XCTAssertTrue(policy.allowsImage("ghcr.io/org/app:1"))
        XCTAssertFalse(policy.allowsImage("ghcr.io/organised/app:1"))
        XCTAssertFalse(policy.allowsImage("docker.io/library/busybox"))
        XCTAssertTrue(WorkloadPolicy().allowsImage("busybox"))
        let hub = WorkloadPolicy(allowedRegistries: ["docker.io"])
        XCTAssertTrue(hub.allowsImage("busybox:1.36"))
        XCTAssertTrue(hub.allowsImage("jupyter/base-notebook"))
        XCTAssertFalse(hub.allowsImage("ghcr.io/org/app"))
        XCTAssertFalse(hub.allowsImage("localhost:5000/app"))
        XCTAssertEqual(WorkloadPolicy.canonicalImage("localhost/app"), "localhost/app")
        XCTAssertTrue(policy.blocks(tenant: Fixtures.tenant))
        XCTAssertTrue(policy.portRange.contains(8080))
        XCTAssertFalse(policy.portRange.contains(80))
    }

    func testProviderNamesTheSecretKeysItsRailsNeed() {
        var provider = Fixtures.fullProvider
        XCTAssertEqual(provider.requiredSecretKeys, ["nsec", "nwc-uri"])
        provider.spec.payments.lightning = LightningRail(backend: .lnbits)
        XCTAssertEqual(provider.requiredSecretKeys, ["nsec", "lnbits-url", "lnbits-invoice-key"])
    }
}
