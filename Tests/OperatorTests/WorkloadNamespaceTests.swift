import ComputeAPI
import KubeClient
@testable import Operator
import XCTest

final class WorkloadNamespaceTests: XCTestCase {
    typealias F = WorkloadFixtures

    func testNamespaceIsNamedAfterTheLeaseAndLabelled() throws {
        let namespace = try F.cpuWorkload.namespace
        XCTAssertEqual(namespace.apiVersion, "v1")
        XCTAssertEqual(namespace.kind, "Namespace")
        XCTAssertEqual(namespace.metadata.name, F.namespace)
        XCTAssertNil(namespace.metadata.namespace, "a namespace is cluster-scoped")
        XCTAssertEqual(namespace.metadata.labels, [
            "ncn.dev/lease": F.leaseName,
            "ncn.dev/tenant": "3bf0c63fcb934634",
            "app.kubernetes.io/managed-by": "ncn-operator",
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/warn-version": "latest",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/audit-version": "latest",
        ])
        XCTAssertNil(namespace.metadata.annotations)
        XCTAssertEqual(namespace.metadata.ownerReferences, [OwnerReference(
            apiVersion: "ncn.dev/v1alpha1", kind: "ComputeLease", name: F.leaseName, uid: F.uid, controller: true, blockOwnerDeletion: true)])
    }

    func testRequiringNonRootEnforcesTheRestrictedStandard() throws {
        let workload = try LeaseWorkloadBuilder.build(
            lease: F.cpuLease, provider: F.provider(), envSecretData: nil, security: WorkloadSecurity(requireNonRoot: true))
        let labels = try XCTUnwrap(workload.namespace.metadata.labels)
        XCTAssertEqual(labels["pod-security.kubernetes.io/enforce"], "restricted")
        XCTAssertEqual(labels["pod-security.kubernetes.io/warn"], "restricted")
        XCTAssertEqual(labels["pod-security.kubernetes.io/audit"], "restricted")
    }

    func testTheProviderPolicyDecidesWhetherLeasesMustRunAsNonRoot() throws {
        XCTAssertEqual(WorkloadSecurity(policy: WorkloadPolicy()), WorkloadSecurity(requireNonRoot: false), "off by default")
        var provider = F.provider()
        provider.policy.requireNonRoot = true
        let workload = try LeaseWorkloadBuilder.build(lease: F.cpuLease, provider: provider, envSecretData: nil)
        XCTAssertEqual(workload.namespace.metadata.labels?["pod-security.kubernetes.io/enforce"], "restricted")
        XCTAssertEqual(workload.podTemplate.spec?.securityContext?.runAsNonRoot, true)
    }

    func testEveryObjectIsOwnedByTheLeaseLabelledAndInTheLeaseNamespace() throws {
        let workloads = [try F.cpuWorkload, try F.gpuWorkload, try F.batchWorkload]
        for workload in workloads {
            for (kind, meta) in F.objects(workload) {
                XCTAssertEqual(meta.ownerReferences?.count, 1, kind)
                let owner = try XCTUnwrap(meta.ownerReferences?.first)
                XCTAssertEqual(owner.apiVersion, ComputeLease.descriptor.apiVersion, kind)
                XCTAssertEqual(owner.kind, "ComputeLease", kind)
                XCTAssertEqual(owner.name, F.leaseName, kind)
                XCTAssertEqual(owner.uid, F.uid, kind)
                XCTAssertEqual(owner.controller, true, kind)
                XCTAssertEqual(owner.blockOwnerDeletion, true, kind)
                XCTAssertEqual(meta.labels?[LeaseLabels.lease], F.leaseName, kind)
                XCTAssertEqual(meta.labels?[LeaseLabels.tenant], "3bf0c63fcb934634", kind)
                XCTAssertEqual(meta.labels?[LeaseLabels.managedBy], "ncn-operator", kind)
                XCTAssertNil(meta.uid, kind)
                XCTAssertNil(meta.resourceVersion, "\(kind): apply objects carry no resourceVersion")
                if kind != "Namespace" { XCTAssertEqual(meta.namespace, F.namespace, kind) }
            }
        }
    }

    func testObjectNamesAreFixed() throws {
        let workload = try F.gpuWorkload
        XCTAssertEqual(workload.job.metadata.name, "workload")
        XCTAssertEqual(workload.podTemplate.spec?.containers.map(\.name), ["main"])
        XCTAssertEqual(workload.service?.metadata.name, "endpoints")
        XCTAssertEqual(workload.envSecret?.metadata.name, "tenant-env")
        XCTAssertEqual(workload.resourceQuota.metadata.name, "lease-quota")
        XCTAssertEqual(workload.limitRange.metadata.name, "lease-limits")
        XCTAssertEqual(workload.networkPolicies.map(\.metadata.name), ["default-deny", "allow-egress", "allow-ingress"])
    }

    // MARK: Namespace names

    func testNamespaceNameIsThePrefixedLeaseName() {
        XCTAssertEqual(LeaseWorkloadBuilder.namespaceName(forLease: "lease-abc"), "ncn-lease-lease-abc")
        XCTAssertEqual(LeaseWorkloadBuilder.namespaceName(forLease: F.leaseName), F.namespace)
        XCTAssertEqual(LeaseWorkloadBuilder.fieldManager, "ncn-operator")
    }

    func testTheLongestLeaseNameThatFitsMakesA63CharacterNamespace() throws {
        let name = String(repeating: "a", count: 53)
        let workload = try F.build(F.lease(name: name, spec: F.cpuLease.spec))
        XCTAssertEqual(workload.namespace.metadata.name?.count, 63)
        XCTAssertEqual(workload.job.metadata.namespace, "ncn-lease-" + name)
    }

    func testLeaseNamesThatCannotMakeANamespaceAreRefused() {
        let refused = [
            String(repeating: "a", count: 54),  // namespace would be 64 characters
            String(repeating: "a", count: 253),
            "",  // no name at all
            "lease.with.dots",  // a valid cluster-scoped object name, but not a DNS label
            "Lease-Upper",
            "lease-",  // namespace would end with '-'
            "lease_underscore",
            "lease name",
            "léase",
        ]
        for name in refused {
            XCTAssertEqual(F.buildError(F.lease(name: name, spec: F.cpuLease.spec)), .invalidLeaseName(name), name)
        }
    }

    func testALeaseNameStartingWithADigitOrDashIsFineAfterThePrefix() throws {
        for name in ["1lease", "-x", "a"] {
            let workload = try F.build(F.lease(name: name, spec: F.cpuLease.spec))
            XCTAssertEqual(workload.namespace.metadata.name, "ncn-lease-" + name)
        }
    }

    func testInvalidLeaseNameMessageSaysWhatFits() {
        let message = WorkloadBuildError.invalidLeaseName("lease.with.dots").description
        XCTAssertTrue(message.contains("ncn-lease-lease.with.dots"), message)
        XCTAssertTrue(message.contains("at most 53 characters"), message)
    }

    func testALeaseWithoutUIDIsRefused() {
        XCTAssertEqual(F.buildError(F.lease(uid: nil, spec: F.cpuLease.spec)), .missingLeaseUID(F.leaseName))
        XCTAssertEqual(F.buildError(F.lease(uid: "", spec: F.cpuLease.spec)), .missingLeaseUID(F.leaseName))
    }

    func testWorkloadSelectorLabels() {
        XCTAssertEqual(LeaseLabels.workloadSelector(forLease: "x"), ["ncn.dev/lease": "x", "app.kubernetes.io/component": "workload"])
    }

    func testAChildObjectWakesTheLeaseItsNamespaceNames() {
        let namespace = LeaseWorkloadBuilder.namespaceName(forLease: "lease-abc")
        XCTAssertEqual(LeaseWorkloadBuilder.leaseName(ofNamespace: namespace), "lease-abc")
        XCTAssertEqual(LeaseController.leaseName(ofChild: ObjectKey(namespace: namespace, name: "lease-quota")), "lease-abc")
        XCTAssertEqual(LeaseController.leaseName(ofChild: ObjectKey(name: namespace)), "lease-abc")  // the Namespace itself
        XCTAssertNil(LeaseController.leaseName(ofChild: ObjectKey(namespace: "kube-system", name: "x")))
        XCTAssertNil(LeaseWorkloadBuilder.leaseName(ofNamespace: "ncn-lease-"))
    }
}
