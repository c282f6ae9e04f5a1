import Foundation
import KubeClient
import XCTest

@testable import Operator

final class NamespaceGrantTests: XCTestCase {
    private func namespace(_ name: String, lease: String?, terminating: Bool = false) -> Namespace {
        var namespace = Namespace(metadata: ObjectMeta(name: name, labels: lease.map { [LeaseLabels.lease: $0] }))
        if terminating { namespace.metadata.deletionTimestamp = "2026-12-05T12:00:00Z" }
        return namespace
    }

    func testALeaseNamespaceGetsTheOperatorBindingToTheLeaseNamespaceRole() throws {
        let grant = NamespaceGrant(serviceAccount: "ncn-operator", serviceAccountNamespace: "providers")
        let binding = try XCTUnwrap(grant.binding(for: namespace("ncn-lease-abc123", lease: "abc123")))
        XCTAssertEqual(binding.metadata.name, "ncn-operator")
        XCTAssertEqual(binding.metadata.namespace, "ncn-lease-abc123")
        XCTAssertEqual(binding.roleRef, .init(kind: "ClusterRole", name: "ncn-operator-lease-namespace"))
        XCTAssertEqual(binding.subjects, [.init(kind: "ServiceAccount", name: "ncn-operator", namespace: "providers")])
    }

    func testOnlyANamespaceNamedAfterItsLeaseLabelQualifies() {
        let grant = NamespaceGrant()
        // kube-system cannot be claimed with a label: the operator cannot relabel it, and the name does not match anyway.
        XCTAssertNil(grant.binding(for: namespace("kube-system", lease: "abc")))
        XCTAssertNil(grant.binding(for: namespace("kube-system", lease: nil)))
        // A namespace an administrator may create later is not squatted by a label on a new one.
        XCTAssertNil(grant.binding(for: namespace("monitoring", lease: "monitoring")))
        XCTAssertNil(grant.binding(for: namespace("ncn-lease-abc", lease: "other")))
        XCTAssertNil(grant.binding(for: namespace("ncn-lease-", lease: "")))
        XCTAssertNil(grant.binding(for: namespace("ncn-lease-abc", lease: nil)))
        XCTAssertNil(grant.binding(for: namespace("ncn-lease-abc", lease: "abc", terminating: true)))
    }

    func testAnEditedBindingDoesNotMatch() throws {
        let grant = NamespaceGrant()
        let wanted = try XCTUnwrap(grant.binding(for: namespace("ncn-lease-x", lease: "x")))
        XCTAssertTrue(NamespaceGrant.matches(wanted, wanted))
        var widened = wanted
        widened.subjects?.append(.init(kind: "User", name: "mallory"))
        XCTAssertFalse(NamespaceGrant.matches(widened, wanted))
        var otherRole = wanted
        otherRole.roleRef = .init(kind: "ClusterRole", name: "cluster-admin")
        XCTAssertFalse(NamespaceGrant.matches(otherRole, wanted))
    }

    /// The names the steward writes are the names the manifests' RBAC grants.
    func testTheManifestsNameWhatTheStewardBinds() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let role = try String(contentsOf: root.appendingPathComponent("manifests/25-lease-namespace-clusterrole.yaml"), encoding: .utf8)
        XCTAssertTrue(role.contains("kind: ClusterRole\nmetadata:\n  name: \(NamespaceGrant.clusterRoleName)\n"))
        let steward = try String(contentsOf: root.appendingPathComponent("manifests/50-steward-rbac.yaml"), encoding: .utf8)
        XCTAssertTrue(steward.contains("resourceNames: [\"\(NamespaceGrant.clusterRoleName)\"]"))
        XCTAssertTrue(steward.contains("resourceNames: [\"\(NamespaceGrant.bindingName)\"]"))
        XCTAssertEqual(NamespaceGrant.namePrefix, "ncn-lease-")
    }
}
