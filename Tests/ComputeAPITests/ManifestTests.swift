import ComputeAPI
import Foundation
import XCTest
import Yams

/// The hand-written manifests and overlays, checked against the schema and the promises the
/// README makes about them (least privilege, restricted pods, no real keys).
final class ManifestTests: XCTestCase {
    func testTheExampleProviderIsValid() throws {
        let provider = try exampleProvider()
        XCTAssertEqual(provider.metadata.name, ComputeProvider.defaultName)
        XCTAssertEqual(provider.violations(), [])
    }

    func testEveryOverlayYieldsAValidProvider() throws {
        for overlay in ["gpu-cluster", "devnet"] {
            let base = try document(kind: "ComputeProvider", in: "manifests/40-computeprovider-default.yaml")
            let patch = try document(kind: "ComputeProvider", in: "helm-free-kustomize/overlays/\(overlay)/computeprovider.yaml")
            let merged = base.mergePatched(with: patch)
            let provider = try merged.decode(ComputeProvider.self)
            XCTAssertEqual(provider.violations(), [], overlay)
            if overlay == "devnet" {
                XCTAssertEqual(provider.spec.relays, ["ws://127.0.0.1:17001", "ws://127.0.0.1:17002"])
                XCTAssertEqual(provider.spec.serviceType, .nodePort)
                XCTAssertLessThan(provider.spec.billing.intervalSeconds, ComputeDefaults.intervalSeconds)
            } else {
                XCTAssertEqual(provider.spec.serviceType, .loadBalancer)
                XCTAssertEqual(provider.spec.runtimeClassName, "gvisor")
                XCTAssertFalse(provider.spec.pricing.msatsPerGpuHour?.isEmpty ?? true)
            }
        }
    }

    func testTheSecretTemplateHasTheKeysTheOperatorReadsAndNoRealOnes() throws {
        let secret = try document(kind: "Secret", in: "manifests/templates/provider-secret.yaml")
        guard case let .object(values)? = secret["stringData"] else { return XCTFail("no stringData") }
        XCTAssertEqual(Set(values.map(\.0)), [ComputeProvider.SecretKeys.nsec, ComputeProvider.SecretKeys.nwcURI,
                                              ComputeProvider.SecretKeys.lnbitsURL, ComputeProvider.SecretKeys.lnbitsInvoiceKey])
        for (key, value) in values {
            let text = value.stringValue ?? ""
            XCTAssertTrue(text.contains("REPLACE") || text.contains("example.com"), "\(key) looks like a real value: \(text)")
            XCTAssertNil(text.range(of: "nsec1[02-9ac-hj-np-z]{58}", options: .regularExpression), key)
            XCTAssertNil(text.range(of: "[0-9a-f]{32}", options: .regularExpression), key)
        }
        let provider = try exampleProvider()
        XCTAssertEqual(secret["metadata"]?["name"], .string(provider.spec.secretRef.name))
        XCTAssertEqual(secret["metadata"]?["namespace"], .string(provider.spec.secretRef.namespace))
    }

    func testTheClusterRoleIsLeastPrivilegeAndExplained() throws {
        let role = try document(kind: "ClusterRole", in: "manifests/20-clusterrole.yaml")
        let rules = try XCTUnwrap(role["rules"]?.arrayValue)
        var grants: [String: Set<String>] = [:]
        for rule in rules {
            let groups = rule["apiGroups"]?.strings ?? [], resources = rule["resources"]?.strings ?? [], verbs = rule["verbs"]?.strings ?? []
            XCTAssertFalse(groups.contains("*") || resources.contains("*") || verbs.contains("*"), "wildcard in \(rule.jsonText())")
            for group in groups { for resource in resources { grants["\(group)/\(resource)", default: []].formUnion(verbs) } }
        }
        XCTAssertEqual(grants["ncn.dev/computeproviders"], ["get", "list", "watch"])
        XCTAssertEqual(grants["ncn.dev/computeleases/status"], ["get", "patch"])
        XCTAssertEqual(grants["/nodes"], ["get", "list", "watch"])
        XCTAssertEqual(grants["/events"], ["create", "patch"])
        // Least privilege (issue 13): no Secret anywhere, and no write on a lease's children or on
        // namespaces cluster-wide; writes come from the steward's binding inside lease namespaces.
        XCTAssertNil(grants["/secrets"], "Secrets are in the operator's own namespace only (24-own-namespace-role.yaml)")
        XCTAssertEqual(grants["/namespaces"], ["get", "list", "watch", "create"])
        for kind in ["/pods", "batch/jobs", "/services", "/resourcequotas", "/limitranges", "networking.k8s.io/networkpolicies"] {
            XCTAssertEqual(grants[kind], ["get", "list", "watch"], "\(kind) must be read-only cluster-wide")
        }
        XCTAssertNil(grants["coordination.k8s.io/leases"], "leader election belongs in the namespaced Role")
        XCTAssertNil(grants["/configmaps"], "no child ConfigMaps yet")

        // Every rule is preceded by a comment saying why.
        let text = try String(contentsOfFile: Fixtures.path("manifests/20-clusterrole.yaml"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where line.hasPrefix("- apiGroups:") {
            XCTAssertTrue(lines[index - 1].hasPrefix("#"), "rule at line \(index + 1) has no comment")
        }
    }

    /// Inside a lease namespace the operator reads the pod's log for its tenant (ncn logs), and
    /// nothing else of the pod's subresources: no exec, attach or port-forward into a tenant's container.
    func testTheLeaseNamespaceRoleReadsLogsButNeverEntersTheContainer() throws {
        let role = try document(kind: "ClusterRole", in: "manifests/25-lease-namespace-clusterrole.yaml")
        let rules = try XCTUnwrap(role["rules"]?.arrayValue)
        let subresources = rules.filter { ($0["resources"]?.strings ?? []).contains { $0.contains("/") } }
        XCTAssertEqual(subresources.count, 1)
        XCTAssertEqual(subresources.first?["resources"], ["pods/log"])
        XCTAssertEqual(subresources.first?["verbs"], ["get"])
        let text = try String(contentsOfFile: Fixtures.path("manifests/25-lease-namespace-clusterrole.yaml"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where line.hasPrefix("- apiGroups:") {
            XCTAssertTrue(lines[index - 1].hasPrefix("#"), "rule at line \(index + 1) has no comment")
        }
    }

    func testLeaderElectionIsANamespacedRoleForOneLease() throws {
        let role = try document(kind: "Role", in: "manifests/22-leader-election-role.yaml")
        XCTAssertEqual(role["metadata"]?["namespace"], "ncn-system")
        let rules = try XCTUnwrap(role["rules"]?.arrayValue)
        XCTAssertEqual(rules.flatMap { $0["resources"]?.strings ?? [] }, ["leases", "leases"])
        XCTAssertEqual(rules.first?["resourceNames"], ["ncn-operator"])
        let deployment = try document(kind: "Deployment", in: "manifests/30-deployment.yaml")
        XCTAssertTrue(container(of: deployment)["args"]?.strings?.contains("--leader-election-id=ncn-operator") ?? false)
    }

    func testSecretsAreReachableInTheOperatorsNamespaceOnly() throws {
        let role = try document(kind: "Role", in: "manifests/24-own-namespace-role.yaml")
        XCTAssertEqual(role["metadata"]?["namespace"], "ncn-system")
        let rules = try XCTUnwrap(role["rules"]?.arrayValue)
        // Secrets, the audit trail's ConfigMaps, and the NetworkPolicy self-test's probe Pods and policy.
        XCTAssertEqual(rules.map { $0["resources"]?.strings ?? [] }, [["secrets"], ["configmaps"], ["pods"], ["networkpolicies"]])
        // Watched, by name, so a key is read from memory: a Role grants it in this namespace only.
        XCTAssertTrue(rules.first?["verbs"]?.strings?.contains("watch") ?? false)
        XCTAssertEqual(rules[1]["verbs"], ["list", "create", "patch", "delete"], "audit records: a key merged in per record; no watch, no whole-map update")
        XCTAssertEqual(rules[2]["verbs"], ["get", "create", "delete"], "probe Pods: no update, no exec, no logs")
        let binding = try document(kind: "RoleBinding", in: "manifests/24-own-namespace-role.yaml")
        XCTAssertEqual(binding["roleRef"]?["name"], "ncn-operator-own-namespace")
        XCTAssertEqual(binding["subjects"]?.arrayValue?.first?["name"], "ncn-operator")
    }

    func testTheStewardMayOnlyBindTheLeaseNamespaceRole() throws {
        let role = try document(kind: "ClusterRole", in: "manifests/50-steward-rbac.yaml")
        let rules = try XCTUnwrap(role["rules"]?.arrayValue)
        for rule in rules {
            let resources = rule["resources"]?.strings ?? [], verbs = rule["verbs"]?.strings ?? []
            XCTAssertFalse(resources.contains("*") || verbs.contains("*") || verbs.contains("escalate"), rule.jsonText())
            if resources == ["clusterroles"] {
                XCTAssertEqual(verbs, ["bind"])
                XCTAssertEqual(rule["resourceNames"], ["ncn-operator-lease-namespace"])
            }
            if resources == ["rolebindings"], verbs != ["create"] {
                XCTAssertEqual(rule["resourceNames"], ["ncn-operator"], "bindings other than the operator's are not the steward's to touch")
            }
            XCTAssertFalse(["pods", "secrets", "clusterrolebindings"].contains { resources.contains($0) }, rule.jsonText())
        }
        let steward = try document(kind: "Deployment", in: "manifests/51-steward-deployment.yaml")
        XCTAssertEqual(steward["spec"]?["template"]?["spec"]?["serviceAccountName"], "ncn-steward")
        XCTAssertEqual(container(of: steward)["command"], ["/usr/local/bin/ncn-steward"])
        XCTAssertEqual(container(of: steward)["securityContext"]?["readOnlyRootFilesystem"], true)
    }

    func testTheOperatorPodIsRestricted() throws {
        let deployment = try document(kind: "Deployment", in: "manifests/30-deployment.yaml")
        let pod = try XCTUnwrap(deployment["spec"]?["template"]?["spec"])
        XCTAssertEqual(pod["serviceAccountName"], "ncn-operator")
        XCTAssertEqual(pod["securityContext"]?["runAsNonRoot"], true)
        XCTAssertEqual(pod["securityContext"]?["seccompProfile"]?["type"], "RuntimeDefault")
        let main = container(of: deployment)
        XCTAssertEqual(main["image"], "ghcr.io/nostr-compute/ncn-operator:latest")
        XCTAssertEqual(main["securityContext"]?["readOnlyRootFilesystem"], true)
        XCTAssertEqual(main["securityContext"]?["allowPrivilegeEscalation"], false)
        XCTAssertEqual(main["securityContext"]?["capabilities"]?["drop"], ["ALL"])
        XCTAssertEqual(main["livenessProbe"]?["httpGet"]?["path"], "/healthz")
        XCTAssertEqual(main["readinessProbe"]?["httpGet"]?["path"], "/readyz")
        let ports = main["ports"]?.arrayValue ?? []
        XCTAssertEqual(ports.compactMap { $0["containerPort"] }, [8081, 9090])
        XCTAssertNotNil(main["resources"]?["requests"])
        XCTAssertNotNil(main["resources"]?["limits"]?["memory"])
    }

    // MARK: Helpers

    private func exampleProvider() throws -> ComputeProvider {
        try document(kind: "ComputeProvider", in: "manifests/40-computeprovider-default.yaml").decode(ComputeProvider.self)
    }

    private func container(of deployment: OrderedJSON) -> OrderedJSON {
        deployment["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first ?? .null
    }

    /// The first document of `kind` in a YAML file of the repository.
    private func document(kind: String, in relativePath: String) throws -> OrderedJSON {
        let text = try String(contentsOfFile: Fixtures.path(relativePath), encoding: .utf8)
        for parsed in try Yams.load_all(yaml: text) {
            let json = try OrderedJSON(foundation: parsed)
            if json["kind"] == .string(kind) { return json }
        }
        throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: relativePath])
    }
}

extension OrderedJSON {
    var arrayValue: [OrderedJSON]? {
        if case let .array(items) = self { return items }
        return nil
    }

    var stringValue: String? {
        if case let .string(text) = self { return text }
        return nil
    }

    var strings: [String]? { arrayValue?.compactMap(\.stringValue) }

    /// RFC 7386 JSON merge patch: what kustomize's strategic merge amounts to for custom
    /// resources (no merge keys are known for them, so maps merge and lists are replaced).
    func mergePatched(with patch: OrderedJSON) -> OrderedJSON {
        guard case let .object(patchMembers) = patch else { return patch }
        var result = self
        if case .object = result {} else { result = .object([]) }
        for (key, value) in patchMembers {
            if value == .null {
                if case let .object(members) = result { result = .object(members.filter { $0.0 != key }) }
            } else {
                result.set(key, (result[key] ?? .null).mergePatched(with: value))
            }
        }
        return result
    }
}
