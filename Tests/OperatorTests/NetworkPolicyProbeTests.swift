import KubeClient
import Operator
import XCTest

/// The NetworkPolicy self-test's objects and verdict (the run against a cluster is in
/// tests/node/test_operator_image.sh, where the test bed's network does not enforce policies).
final class NetworkPolicyProbeTests: XCTestCase {
    let plan = NetworkPolicyProbePlan(namespace: "ncn-system", image: "registry.example/ncn-operator@sha256:ab", node: "node-1", instance: "tqfbg")

    func testTheProbePodsRunTheOperatorsImageOnItsNodeLockedDown() throws {
        let server = plan.server
        let client = plan.client("after", serverIP: "10.0.0.7")
        XCTAssertEqual(server.metadata.name, "ncn-np-tqfbg-server")
        XCTAssertEqual(client.metadata.name, "ncn-np-tqfbg-after")
        for pod in [server, client] {
            let spec = try XCTUnwrap(pod.spec)
            XCTAssertEqual(pod.metadata.namespace, "ncn-system")
            XCTAssertEqual(spec.nodeName, "node-1", "on the operator's node, past the scheduler: a node that surely runs Pods")
            XCTAssertEqual(spec.containers.first?.image, plan.image)
            XCTAssertEqual(spec.automountServiceAccountToken, false)
            let security = try XCTUnwrap(spec.containers.first?.securityContext)
            XCTAssertEqual(security.capabilities?.drop, ["ALL"])
            XCTAssertEqual(security.runAsNonRoot, true)
            XCTAssertEqual(security.allowPrivilegeEscalation, false)
            XCTAssertNotNil(spec.activeDeadlineSeconds, "a probe left behind by a crash ends by itself")
        }
        XCTAssertEqual(server.spec?.containers.first?.args, ["network-probe", "serve", "--port", "8080"])
        XCTAssertEqual(client.spec?.containers.first?.args, ["network-probe", "connect", "--host", "10.0.0.7", "--port", "8080", "--timeout", "5s"])
        XCTAssertEqual(client.spec?.restartPolicy, "Never", "its exit code is the answer")
    }

    func testEveryProbeObjectBelongsToTheOperatorsPodSoItsDeletionRemovesThem() {
        var owned = plan
        owned.owner = NetworkPolicyProbePlan.owner(podName: "ncn-operator-7d9f-tqfbg", uid: "5f0c2a4e-0000-4000-8000-000000000001")
        for meta in [owned.server.metadata, owned.client("before", serverIP: "10.0.0.7").metadata, owned.denyPolicy.metadata] {
            XCTAssertEqual(meta.ownerReferences, [OwnerReference(apiVersion: "v1", kind: "Pod", name: "ncn-operator-7d9f-tqfbg",
                                                                 uid: "5f0c2a4e-0000-4000-8000-000000000001", controller: false,
                                                                 blockOwnerDeletion: false)])
        }
        XCTAssertNil(plan.server.metadata.ownerReferences, "outside a Pod there is no owner")
    }

    func testThePolicyDeniesAllIngressToThisReplicasServerOnly() throws {
        let policy = plan.denyPolicy
        XCTAssertEqual(policy.metadata.name, "ncn-np-tqfbg-deny")
        guard case let .object(spec) = policy.specJSON else { return XCTFail("no spec") }
        XCTAssertEqual(spec["policyTypes"], .array([.string("Ingress")]))
        XCTAssertNil(spec["ingress"], "no ingress rule: nothing allowed")
        XCTAssertEqual(spec["podSelector"], .object(["matchLabels": .object([
            "ncn.dev/netpol-probe": .string("server"), "ncn.dev/netpol-probe-instance": .string("tqfbg"),
        ])]))
        XCTAssertEqual(plan.server.metadata.labels?["ncn.dev/netpol-probe"], "server")
        XCTAssertEqual(plan.server.metadata.labels?["ncn.dev/netpol-probe-instance"], "tqfbg")
        XCTAssertNotEqual(plan.client("before", serverIP: "x").metadata.labels?["ncn.dev/netpol-probe"], "server",
                          "the policy must not select the client (it would block its egress answers under some CNIs)")
    }

    func testTheVerdictNeedsAWorkingConnectionFirst() {
        XCTAssertEqual(NetworkPolicyEnforcement.judge(before: true, after: false), .enforced)
        XCTAssertEqual(NetworkPolicyEnforcement.judge(before: true, after: true), .notEnforced)
        guard case .unknown = NetworkPolicyEnforcement.judge(before: false, after: false) else {
            return XCTFail("no connection even without a policy says nothing about policies")
        }
    }
}
