import ComputeAPI
import Foundation
import KubeClient
@testable import Operator
import XCTest

/// The CRDs, manifests and overlays against the test bed's real kube-apiserver (v1.20.2):
/// they install, the apiserver validates and defaults exactly as the Swift types do, status
/// goes through the subresource, kubectl shows the columns and explains the fields, and the
/// operator's RBAC grants what it needs and no more.
///
/// The CRDs are applied for real and left installed (other tests use them; deleting a CRD would
/// delete their objects). Everything else is created under a random name and deleted again.
final class CRDManifestTests: XCTestCase {
    private var bed: TestBed!
    private var kubectl: CRDKubectl!
    /// Objects this test made, deleted in tearDown even when an assertion threw halfway.
    private var created: [String] = []

    override func setUp() async throws {
        bed = try TestBed.load()
        kubectl = CRDKubectl(binary: try bed.require("NCN_KUBECTL"), kubeconfig: try bed.require("NCN_KUBECONFIG"))
        try kubectl.run("apply", "-f", Self.path("crds"))
        try kubectl.run("wait", "--for", "condition=established", "--timeout=60s",
                        "crd/computeleases.ncn.dev", "crd/computeproviders.ncn.dev")
        // Namespaced manifests cannot be dry-run into a namespace that does not exist.
        try kubectl.run("apply", "-f", Self.path("manifests/00-namespace.yaml"))
    }

    override func tearDown() {
        for object in created {
            _ = try? kubectl?.execute(["delete", object, "--ignore-not-found", "--wait=false"])
        }
        super.tearDown()
    }

    /// A fresh name, remembered for clean-up.
    private func makeName(_ prefix: String, kind: String) -> String {
        let name = "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
        created.append("\(kind)/\(name)")
        return name
    }

    func testCRDsManifestsAndEveryOverlayPassServerSideDryRun() throws {
        let crds = try kubectl.run("apply", "--dry-run=server", "-f", Self.path("crds"))
        XCTAssertTrue(crds.contains("computeleases.ncn.dev"), crds)
        let manifests = try kubectl.run("apply", "--dry-run=server", "-f", Self.path("manifests"))
        for object in ["clusterrole.rbac.authorization.k8s.io/ncn-operator", "deployment.apps/ncn-operator",
                       "service/ncn-operator-metrics", "computeprovider.ncn.dev/default", "role.rbac.authorization.k8s.io/ncn-operator-leader-election",
                       "clusterrole.rbac.authorization.k8s.io/ncn-operator-lease-namespace", "deployment.apps/ncn-steward"] {
            XCTAssertTrue(manifests.contains(object), "missing \(object) in:\n\(manifests)")
        }
        let template = try kubectl.run("apply", "--dry-run=server", "-f", Self.path("manifests/templates"))
        XCTAssertTrue(template.contains("secret/ncn-provider"), template)
        for kustomization in ["base", "overlays/gpu-cluster", "overlays/devnet"] {
            let output = try kubectl.run("apply", "--dry-run=server", "-k", Self.path("helm-free-kustomize/" + kustomization))
            XCTAssertTrue(output.contains("computeprovider.ncn.dev/default"), "\(kustomization):\n\(output)")
            XCTAssertTrue(output.contains("deployment.apps/ncn-operator"), "\(kustomization):\n\(output)")
            XCTAssertTrue(output.contains("deployment.apps/ncn-steward"), "\(kustomization):\n\(output)")
        }
    }

    func testTypedLeaseAndProviderRoundTripThroughTheApiserver() async throws {
        try await withClient { client in
            var lease = Self.lease(named: makeName("it-cl", kind: "computelease"))
            lease.status = nil
            let created = try await client.create(lease)
            XCTAssertEqual(created.spec, lease.spec)
            XCTAssertEqual(created.metadata.labels?[ComputeLease.Labels.tenant], String(lease.spec.tenantPubkey.prefix(16)))
            XCTAssertEqual(created.metadata.generation, 1)
            let fetched = try await client.get(ComputeLease.self, name: lease.metadata.name!)
            XCTAssertEqual(fetched.spec, lease.spec)
            XCTAssertEqual(fetched.violations(), [])
            try await client.delete(ComputeLease.self, name: lease.metadata.name!)

            let provider = ComputeProvider(name: makeName("it-cp", kind: "computeprovider"), spec: Self.provider.spec)
            let createdProvider = try await client.create(provider)
            XCTAssertEqual(createdProvider.spec, provider.spec)
            let listed = try await client.list(ComputeProvider.self)
            XCTAssertTrue(listed.items.contains { $0.metadata.name == provider.metadata.name })
            try await client.delete(ComputeProvider.self, name: provider.metadata.name!)
        }
    }

    /// Swift's defaults are the schema's (a unit test); here the schema's are the apiserver's.
    func testTheApiserverDefaultsLikeTheSwiftTypes() async throws {
        try await withClient { client in
            let leaseName = makeName("it-cl-min", kind: "computelease")
            let lease: OrderedJSON = [
                "apiVersion": "ncn.dev/v1alpha1", "kind": "ComputeLease", "metadata": ["name": .string(leaseName)],
                "spec": [
                    "tenantPubkey": .string(Self.tenant), "requestEventId": .string(Self.request), "relays": ["ws://127.0.0.1:17001"],
                    "image": "busybox", "resources": ["cpu": "1", "memory": "1Gi"], "ports": [["port": 8080]],
                    "durationSeconds": 600, "pricePerIntervalMsats": 1000, "paymentRail": "cashu",
                ],
            ]
            let storedLease = try OrderedJSON(jsonData: Data(try await client.send(
                .POST, ComputeLease.descriptor.path(), body: Array(lease.jsonData()))))
            XCTAssertEqual(storedLease["spec"], ComputeLease.definition.rootSchema.applyingDefaults(to: lease)["spec"])
            XCTAssertEqual(try storedLease.decode(ComputeLease.self).spec, try lease.decode(ComputeLease.self).spec)
            try await client.delete(ComputeLease.self, name: leaseName)

            let providerName = makeName("it-cp-min", kind: "computeprovider")
            let provider: OrderedJSON = [
                "apiVersion": "ncn.dev/v1alpha1", "kind": "ComputeProvider", "metadata": ["name": .string(providerName)],
                "spec": [
                    "relays": ["ws://127.0.0.1:17001"], "pricing": ["msatsPerCpuHour": 1000, "msatsPerGiBHour": 100],
                    "payments": ["cashu": ["mints": ["http://127.0.0.1:13338"]]],
                    "secretRef": ["name": "ncn-provider", "namespace": "ncn-system"],
                ],
            ]
            let storedProvider = try OrderedJSON(jsonData: Data(try await client.send(
                .POST, ComputeProvider.descriptor.path(), body: Array(provider.jsonData()))))
            XCTAssertEqual(storedProvider["spec"], ComputeProvider.definition.rootSchema.applyingDefaults(to: provider)["spec"])
            XCTAssertEqual(try storedProvider.decode(ComputeProvider.self).spec, try provider.decode(ComputeProvider.self).spec)
            try await client.delete(ComputeProvider.self, name: providerName)
        }
    }

    func testStatusGoesThroughTheSubresourceAndKubectlShowsTheColumns() async throws {
        try await withClient { client in
            let name = makeName("it-cl-status", kind: "computelease")
            var lease = Self.lease(named: name)
            let status = lease.status
            lease.status = nil
            var created = try await client.create(lease)
            XCTAssertNil(created.status)

            // Status on the main resource is ignored once the status subresource exists...
            created.status = status
            created.spec.image = "ghcr.io/nostr-compute/other:1"
            let replaced = try await client.replace(created)
            XCTAssertNil(replaced.status)
            XCTAssertEqual(replaced.metadata.generation, 2)

            // ...and written only through it, which leaves the spec (and generation) alone.
            var withStatus = replaced
            withStatus.status = status
            withStatus.status?.observedGeneration = replaced.metadata.generation
            withStatus.spec.image = "ignored-by-the-status-subresource"
            let updated = try await client.replaceStatus(withStatus)
            XCTAssertEqual(updated.status, withStatus.status)
            XCTAssertEqual(updated.spec.image, "ghcr.io/nostr-compute/other:1")
            XCTAssertEqual(updated.metadata.generation, 2)

            let table = try kubectl.run("get", "computeleases", name)
            let lines = table.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            XCTAssertEqual(lines.first, ["NAME", "TENANT", "IMAGE", "GPU", "PHASE", "PAID-UNTIL", "ENDPOINT", "AGE"], table)
            XCTAssertEqual(lines.dropFirst().first?.dropLast(), [name, String(Self.tenant.prefix(16)), "ghcr.io/nostr-compute/other:1",
                                                                "2xNVIDIA-H100-80GB-HBM3", "Running", "2026-11-24T20:20:00Z", "203.0.113.7:31888"], table)
            let wide = try kubectl.run("get", "cl", name, "-o", "wide")
            XCTAssertTrue(wide.contains("NODE") && wide.contains("gpu-node-1") && wide.contains("lightning"), wide)
            let category = try kubectl.run("get", "ncn")
            XCTAssertTrue(category.contains("computelease.ncn.dev/\(name)"), category)

            try await client.delete(ComputeLease.self, name: name)
        }
    }

    /// Issue 15: each owner server-side applies its own part of the status under its own field
    /// manager. A write from a copy that predates another owner's write leaves that write alone; a
    /// conditional write on a stale version is refused; the ledger is replaced whole, even over
    /// what a former whole-status update had set; a tenant's cancellation is the market's
    /// condition, which the reconciler's later writes keep.
    func testEachOwnerAppliesOnlyItsOwnPartOfTheStatus() async throws {
        try await withClient { client in
            let name = makeName("it-cl-owners", kind: "computelease")
            let full = Self.lease(named: name)
            var lease = full
            lease.status = nil
            let created = try await client.create(lease)
            let reconciler = LeaseStatusWriter(client: client, owner: .reconciler)
            let billing = LeaseStatusWriter(client: client, owner: .billing)
            let market = LeaseStatusWriter(client: client, owner: .market)

            // Before this design the whole status was PUT: start from that, as an upgraded cluster does.
            var legacy = created
            legacy.status = full.status
            legacy.status?.ledger?.invoices = (0..<2).map { Self.invoice(tranche: $0) }
            let upgraded = try await client.replaceStatus(legacy)

            let maybeStale = try await reconciler.write(upgraded, conditional: false) { status in
                status.phase = .awaitingPayment
                status.message = "Bid made."
            }
            let stale = try XCTUnwrap(maybeStale)
            let maybeCredited = try await billing.update(name) { _, status in
                status.paidUntil = status.paidUntil?.adding(seconds: 600)
                status.ledger?.tranchesPaid += 1
                status.ledger?.invoices = [Self.invoice(tranche: 2)]
                status.phase = .failed  // not billing's: dropped
                return true
            }
            let credited = try XCTUnwrap(maybeCredited)
            XCTAssertEqual(credited.status?.phase, .awaitingPayment)
            XCTAssertEqual(credited.status?.ledger?.invoices?.map(\.tranche), [2], "the ledger is billing's whole value, not a merge")
            XCTAssertEqual(credited.status?.paidUntil, full.status?.paidUntil?.adding(seconds: 600))

            // The reconciler writes from the copy it had before billing's credit: the credit stays.
            let maybeObserved = try await reconciler.write(stale, conditional: false) { status in
                status.phase = .provisioning
                status.message = "Provisioning."
                status.paidUntil = nil  // not the reconciler's: dropped
            }
            let observed = try XCTUnwrap(maybeObserved)
            XCTAssertEqual(observed.status?.phase, .provisioning)
            XCTAssertEqual(observed.status?.paidUntil, credited.status?.paidUntil)
            XCTAssertEqual(observed.status?.ledger, credited.status?.ledger)

            // A conditional write on a version that moved on is refused.
            do {
                _ = try await reconciler.write(stale, conditional: true) { $0.phase = .expired }
                XCTFail("a conditional write on a stale version went through")
            } catch let error as KubernetesError where error.isConflict {}

            // The market asks; the reconciler's later writes keep the request.
            _ = try await market.write(observed, conditional: false) { status in
                var conditions = status.conditions ?? []
                conditions.set(Condition(type: .cancelRequested, status: .true, reason: "TenantCancelled", message: "cancelled"))
                status.conditions = conditions
            }
            let maybeEnded = try await reconciler.write(observed, conditional: false) { status in
                status.phase = .terminated
                status.terminationReason = .tenantCancelled
            }
            let ended = try XCTUnwrap(maybeEnded)
            XCTAssertEqual(ended.status?.conditions?[.cancelRequested]?.status, .true)
            XCTAssertEqual(ended.status?.conditions?[.paid]?.status, .true)
            XCTAssertEqual(ended.status?.phase, .terminated)

            let managers = try kubectl.run("get", "cl", name, "-o",
                                           #"jsonpath={range .metadata.managedFields[?(@.operation=="Apply")]}{.manager}{"\n"}{end}"#)
            XCTAssertEqual(Set(managers.split(separator: "\n").map(String.init)),
                           Set(LeaseStatusOwner.allCases.map(\.fieldManager)), managers)
            // Conditions merge by type: the apiserver built its apply model from the CRD (it does
            // not from a schema with `anyOf`, and then takes the whole list as one value).
            let billingFields = try kubectl.run("get", "cl", name, "-o",
                                                #"jsonpath={.metadata.managedFields[?(@.manager=="ncn-operator-billing")].fieldsV1}"#)
            XCTAssertTrue(billingFields.contains(#"k:{\"type\":\"Paid\"}"#), billingFields)
            try await client.delete(ComputeLease.self, name: name)
        }
    }

    static func invoice(tranche: Int) -> LedgerInvoice {
        let at = Timestamp(rfc3339: "2026-11-24T20:00:00Z")!
        return LedgerInvoice(tranche: tranche, paymentHash: String(repeating: String(tranche), count: 64), bolt11: "lnbcrt1invoice",
                             amountMsats: 2_500_000, issuedAt: at, expiresAt: at.adding(seconds: 600))
    }

    func testTheSchemaRejectsInvalidLeases() async throws {
        try await withClient { client in
            let cases: [(String, String, (inout ComputeLease) -> Void)] = [
                ("bad pubkey", "spec.tenantPubkey", { $0.spec.tenantPubkey = "npub1notahexkey" }),
                ("negative GPU count", "spec.resources.gpus", { $0.spec.resources.gpus = -1 }),
                ("bad quantity", "spec.resources.memory", { $0.spec.resources.memory = "lots" }),
                ("negative quantity", "spec.resources.cpu", { $0.spec.resources.cpu = "-2" }),
                ("plain-http relay", "spec.relays[0]", { $0.spec.relays = ["https://relay.example.com"] }),
                ("interval too short", "spec.intervalSeconds", { $0.spec.intervalSeconds = 1 }),
                ("malformed category", "spec.category", { $0.spec.category = "GPU--Inference" }),
            ]
            for (what, field, change) in cases {
                var lease = Self.lease(named: makeName("it-cl-bad", kind: "computelease"))
                lease.status = nil
                change(&lease)
                XCTAssertTrue(lease.violations().contains { $0.path == field }, "Swift accepts a lease with a \(what)")
                do {
                    _ = try await client.create(lease)
                    XCTFail("the apiserver accepted a lease with a \(what)")
                    try? await client.delete(ComputeLease.self, name: lease.metadata.name!)
                } catch let error as KubernetesError {
                    XCTAssertEqual(error.statusCode, 422, "\(what): \(error)")
                    XCTAssertEqual(error.reason, "Invalid", "\(what): \(error)")
                    // The apiserver (1.20) names list items without their index: spec.relays, not spec.relays[0].
                    let fields = error.status?.details?.causes?.compactMap(\.field) ?? []
                    let unindexed = field.replacingOccurrences(of: #"\[[0-9]+\]"#, with: "", options: .regularExpression)
                    XCTAssertTrue(fields.contains(unindexed), "\(what): causes \(fields) lack \(unindexed)")
                }
            }

            // An unknown phase, sent raw because the Swift enum cannot even hold one.
            let name = makeName("it-cl-phase", kind: "computelease")
            var lease = Self.lease(named: name)
            lease.status = nil
            let created = try await client.create(lease)
            var json = try OrderedJSON(encoding: created)
            json.set("status", ["phase": "Sleeping"])
            do {
                _ = try await client.send(.PUT, ComputeLease.descriptor.path(name: name, subresource: "status"), body: Array(json.jsonData()))
                XCTFail("the apiserver accepted an unknown phase")
            } catch let error as KubernetesError {
                XCTAssertEqual(error.statusCode, 422, "\(error)")
                XCTAssertTrue(error.status?.details?.causes?.contains { $0.field == "status.phase" } ?? false, "\(error)")
            }
            XCTAssertEqual(ComputeLease.definition.rootSchema.violations(of: json).map(\.path), ["status.phase"])
            try await client.delete(ComputeLease.self, name: name)
        }
    }

    func testKubectlExplainDocumentsTheFields() async throws {
        // The apiserver publishes a new CRD's OpenAPI a few seconds after it is established.
        var output = ""
        for _ in 0..<30 {
            output = (try? kubectl.run("explain", "computelease.spec.resources")) ?? ""
            if output.contains("gpuModel") { break }
            try await Task.sleep(nanoseconds: 1_000_000_000)
        }
        for text in ["cpu", "memory", "gpus", "gpuModel", "Number of whole GPUs", "Kubernetes quantity", "-required-"] {
            XCTAssertTrue(output.contains(text), "kubectl explain lacks \(text):\n\(output)")
        }
        let lease = try kubectl.run("explain", "computelease")
        XCTAssertTrue(lease.contains("one rental of this cluster's compute"), lease)
        let status = try kubectl.run("explain", "computelease.status.conditions")
        XCTAssertTrue(status.contains("lastTransitionTime") && status.contains("observedGeneration"), status)
        let provider = try kubectl.run("explain", "computeprovider.spec.secretRef")
        XCTAssertTrue(provider.contains("never appear in this object"), provider)
    }

    /// The manifests' RBAC, applied for real, asked through `kubectl auth can-i --as` the operator.
    func testTheOperatorRBACGrantsWhatItNeedsAndNoMore() throws {
        for file in operatorRBACManifests { try kubectl.run("apply", "-f", Self.path("manifests/\(file).yaml")) }
        let allowed: [[String]] = [
            ["create", "computeleases.ncn.dev"], ["delete", "computeleases.ncn.dev"], ["watch", "computeleases.ncn.dev"],
            ["patch", "computeleases.ncn.dev", "--subresource=status"], ["update", "computeleases.ncn.dev", "--subresource=finalizers"],
            ["get", "computeproviders.ncn.dev"], ["watch", "computeproviders.ncn.dev"],
            ["create", "namespaces"], ["list", "pods", "--all-namespaces"], ["watch", "services", "--all-namespaces"],
            ["watch", "networkpolicies.networking.k8s.io", "--all-namespaces"], ["watch", "jobs.batch", "--all-namespaces"], ["watch", "nodes"], ["create", "events", "-n", "default"],
            ["create", "leases.coordination.k8s.io", "-n", "ncn-system"], ["update", "leases.coordination.k8s.io/ncn-operator", "-n", "ncn-system"],
            // Its own namespace: the provider's Secret, the ecash vault, tenants' private environments.
            ["get", "secrets", "-n", "ncn-system"], ["list", "secrets", "-n", "ncn-system"], ["create", "secrets", "-n", "ncn-system"],
            ["update", "secrets", "-n", "ncn-system"], ["watch", "secrets", "-n", "ncn-system"],
            // The NetworkPolicy self-test's probe Pods and deny-all policy, in its own namespace.
            ["create", "pods", "-n", "ncn-system"], ["delete", "pods", "-n", "ncn-system"],
            ["create", "networkpolicies.networking.k8s.io", "-n", "ncn-system"],
            // The audit trail's ConfigMaps, in its own namespace: one key merged in per record.
            ["list", "configmaps", "-n", "ncn-system"], ["create", "configmaps", "-n", "ncn-system"],
            ["patch", "configmaps", "-n", "ncn-system"], ["delete", "configmaps", "-n", "ncn-system"],
        ]
        let refused: [[String]] = [
            ["create", "computeproviders.ncn.dev"], ["update", "computeproviders.ncn.dev"],
            // Status only by each owner's apply: a whole-status update would overwrite the others' fields.
            ["update", "computeleases.ncn.dev", "--subresource=status"],
            ["list", "secrets", "--all-namespaces"], ["get", "secrets", "-n", "kube-system"], ["get", "secrets", "-n", "default"],
            ["watch", "secrets", "--all-namespaces"],
            // No write on workloads or namespaces cluster-wide: only inside a lease namespace, once the steward bound it.
            ["create", "pods", "-n", "default"], ["create", "pods", "-n", "kube-system"], ["create", "pods", "-n", "ncn-lease-x"],
            ["create", "jobs.batch", "-n", "default"], ["patch", "jobs.batch", "-n", "kube-system"], ["create", "jobs.batch", "-n", "ncn-lease-x"],
            ["delete", "services", "-n", "default"], ["create", "networkpolicies.networking.k8s.io", "-n", "default"],
            ["delete", "namespaces"], ["patch", "namespaces"], ["update", "namespaces"],
            ["create", "rolebindings.rbac.authorization.k8s.io", "-n", "ncn-lease-x"],
            ["delete", "nodes"], ["patch", "nodes"], ["get", "configmaps", "-n", "default"], ["list", "configmaps", "--all-namespaces"],
            ["update", "configmaps", "-n", "ncn-system"],
            ["create", "deployments.apps", "-n", "ncn-system"], ["create", "clusterrolebindings.rbac.authorization.k8s.io"],
            ["update", "leases.coordination.k8s.io/kube-scheduler", "-n", "ncn-system"],
            ["create", "leases.coordination.k8s.io", "-n", "kube-system"], ["create", "pods", "--subresource=exec", "-n", "ncn-lease-x"],
            // Logs only where the steward granted them, for the lease's tenant (ncn logs).
            ["get", "pods", "--subresource=log", "-n", "default"], ["get", "pods", "--subresource=log", "-n", "ncn-lease-x"],
            ["get", "pods", "--subresource=log", "-n", "ncn-system"],
        ]
        for request in allowed {
            XCTAssertEqual(try canI(request), true, "the operator needs: \(request.joined(separator: " "))")
        }
        for request in refused {
            XCTAssertEqual(try canI(request), false, "the operator must not: \(request.joined(separator: " "))")
        }
        // The steward: bindings of one role, nothing else.
        for request in [["create", "rolebindings.rbac.authorization.k8s.io", "-n", "ncn-lease-x"], ["watch", "namespaces"],
                        ["bind", "clusterroles.rbac.authorization.k8s.io/ncn-operator-lease-namespace"]] {
            XCTAssertEqual(try canI(request, as: "ncn-steward"), true, "the steward needs: \(request.joined(separator: " "))")
        }
        for request in [["bind", "clusterroles.rbac.authorization.k8s.io/cluster-admin"], ["escalate", "clusterroles.rbac.authorization.k8s.io"],
                        ["delete", "rolebindings.rbac.authorization.k8s.io/other", "-n", "kube-system"], ["create", "pods", "-n", "ncn-lease-x"],
                        ["get", "secrets", "-n", "ncn-system"], ["create", "clusterrolebindings.rbac.authorization.k8s.io"]] {
            XCTAssertEqual(try canI(request, as: "ncn-steward"), false, "the steward must not: \(request.joined(separator: " "))")
        }
    }

    /// Real requests with the operator's token under the manifests' RBAC, the steward running: writes
    /// outside the operator's namespaces are refused by the apiserver; a lease namespace the operator
    /// creates becomes writable, and only that one.
    func testTheOperatorCanWriteOnlyInLeaseNamespacesItCreated() async throws {
        try installOperatorPrerequisites(kubectl)
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let bystander = makeName("it-bystander", kind: "namespace")
        try kubectl.run("create", "namespace", bystander)
        // A namespace an administrator labelled like a lease's: the name does not match, so no grant.
        let lookalike = makeName("it-lookalike", kind: "namespace")
        try kubectl.run("create", "namespace", lookalike)
        try kubectl.run("label", "namespace", lookalike, "\(LeaseLabels.lease)=\(lookalike)")
        try await withClient { admin in
            let token = try await admin.serviceAccountToken("ncn-operator", namespace: "ncn-system")
            var connection = admin.connection
            connection.credentials = .bearerToken(token)
            let client = try KubernetesClient(connection: connection)
            defer { Task { try? await client.shutdown() } }
            func refused(_ what: String, _ request: () async throws -> Void) async {
                do {
                    try await request()
                    XCTFail("the apiserver let the operator \(what)")
                } catch let error as KubernetesError {
                    XCTAssertTrue(error.isForbidden, "\(what): \(error)")
                } catch {
                    XCTFail("\(what): \(error)")
                }
            }
            let probe = Pod(metadata: ObjectMeta(name: "probe", namespace: bystander), spec: PodSpec(containers: [Container(name: "main", image: "busybox:1.36")]))
            for namespace in [bystander, lookalike, "kube-system"] {
                var pod = probe
                pod.metadata.namespace = namespace
                await refused("create a Pod in \(namespace)") { _ = try await client.create(pod) }
                await refused("read a Secret in \(namespace)") { _ = try await client.get(Secret.self, name: "anything", namespace: namespace) }
            }
            await refused("relabel a namespace") {
                _ = try await client.patch(Namespace.self, name: bystander, .merge(encoding: ["metadata": ["labels": [LeaseLabels.lease: "x"]]]))
            }
            await refused("delete a namespace") { try await client.delete(Namespace.self, name: bystander) }
            await refused("bind itself a role") {
                _ = try await client.create(RoleBinding(metadata: ObjectMeta(name: "ncn-operator", namespace: bystander),
                                                        roleRef: .init(kind: "ClusterRole", name: NamespaceGrant.clusterRoleName),
                                                        subjects: [.init(kind: "ServiceAccount", name: "ncn-operator", namespace: "ncn-system")]))
            }

            // Its own lease namespace: created, granted by the steward, written, deleted.
            let leaseName = "it-rbac-\(suffix)"
            let mine = LeaseWorkloadBuilder.namespaceName(forLease: leaseName)
            created.append("namespace/\(mine)")
            _ = try await client.create(Namespace(metadata: ObjectMeta(name: mine, labels: [LeaseLabels.lease: leaseName])))
            var pod = probe
            pod.metadata.namespace = mine
            pod.spec?.automountServiceAccountToken = false
            let started = ContinuousClock.now
            let written = try await eventually("the steward to grant the operator \(mine)", timeout: .seconds(20)) { () -> Pod? in
                do {
                    return try await client.create(pod)
                } catch let error as KubernetesError where error.isForbidden || "\(error)".contains("serviceaccount") {
                    return nil
                }
            }
            print("granted in \(ContinuousClock.now - started)")
            XCTAssertEqual(written.metadata.namespace, mine)
            XCTAssertEqual(try canI(["get", "pods", "--subresource=log", "-n", mine]), true, "the tenant's logs, through the steward's grant")
            XCTAssertEqual(try canI(["create", "pods", "--subresource=exec", "-n", mine]), false, "never a shell in a tenant's container")
            XCTAssertEqual(try canI(["get", "pods", "--subresource=log", "-n", bystander]), false)
            _ = try await client.patch(Namespace.self, name: mine, .merge(encoding: ["metadata": ["labels": ["it": "relabelled"]]]))
            try await client.delete(Namespace.self, name: mine)
            let binding = try await admin.get(RoleBinding.self, name: NamespaceGrant.bindingName, namespace: mine)
            XCTAssertEqual(binding.roleRef.name, NamespaceGrant.clusterRoleName)
            let none = try? await admin.get(RoleBinding.self, name: NamespaceGrant.bindingName, namespace: lookalike)
            XCTAssertNil(none, "the steward granted a namespace whose name is not its lease's")
        }
    }

    // MARK: Helpers

    private func canI(_ request: [String], as account: String = "ncn-operator") throws -> Bool {
        let result = try kubectl.execute(["auth", "can-i", "--as=system:serviceaccount:ncn-system:\(account)"] + request)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "yes"
    }

    private func withClient(_ body: (KubernetesClient) async throws -> Void) async throws {
        let client = try KubernetesClient(connection: .kubeconfig(path: try bed.require("NCN_KUBECONFIG")))
        do {
            try await body(client)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    static let tenant = "3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"
    static let request = "b6f6f5ef1d4b3c9e8f0a1d2c3b4a59687766554433221100ffeeddccbbaa9988"

    static func path(_ relative: String) -> String {
        TestBed.packageRoot.appendingPathComponent(relative).path
    }

    static func lease(named name: String) -> ComputeLease {
        let time = Timestamp(rfc3339: "2026-11-24T20:00:00Z")!
        var lease = ComputeLease(name: name, spec: ComputeLeaseSpec(
            tenantPubkey: tenant, requestEventId: request, relays: ["ws://127.0.0.1:17001"],
            image: "ghcr.io/nostr-compute/jupyter:2026.11", args: ["--port=8888"],
            env: [LeaseEnvVar(name: "MODE", value: "lab")],
            resources: LeaseResources(cpu: "4", memory: "16Gi", gpus: 2, gpuModel: "NVIDIA-H100-80GB-HBM3"),
            ports: [LeasePort(port: 8888, name: "jupyter")],
            durationSeconds: 3600, pricePerIntervalMsats: 2_500_000, paymentRail: .lightning, bidExpiresAt: time.adding(seconds: 300),
            category: "inference"))
        var status = ComputeLeaseStatus(
            phase: .running,
            conditions: [Condition(type: .paid, status: .true, reason: "TranchePaid", lastTransitionTime: time)],
            paidUntil: time.adding(seconds: 1200), node: "gpu-node-1", namespace: "ncn-lease-x",
            ledger: LedgerSummary(tranchesPaid: 2, msatsReceived: 5_000_000, lastPaymentAt: time),
            message: "running")
        status.setEndpoints([LeaseEndpoint(name: "jupyter", host: "203.0.113.7", port: 31888)])
        lease.status = status
        return lease
    }

    static let provider = ComputeProvider(spec: ComputeProviderSpec(
        relays: ["ws://127.0.0.1:17001", "ws://127.0.0.1:17002"],
        pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000, msatsPerGpuHour: ["NVIDIA-H100-80GB-HBM3": 2_500_000]),
        payments: PaymentSettings(lightning: LightningRail(backend: .lnbits), cashu: CashuRail(mints: ["http://127.0.0.1:13338"])),
        policy: WorkloadPolicy(allowedRegistries: ["ghcr.io"], blockedTenants: [String(repeating: "ab", count: 32)],
                               egress: EgressSettings(blockedCIDRs: ["203.0.113.0/24", "2001:db8::/32"],
                                                      dns: ClusterDNS(addresses: ["169.254.20.10"])),
                               categories: ["inference", "ci-build"]),
        advertise: Advertisement(region: "devnet", labels: ["tier": "test"]),
        runtimeClassName: "gvisor",
        secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system")))
}

/// The test bed's kubectl, run through Foundation's Process.
struct CRDKubectl {
    let binary: String
    let kubeconfig: String

    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs kubectl and returns its output; a non-zero exit is an error carrying stderr.
    @discardableResult
    func run(_ arguments: String...) throws -> String {
        let result = try execute(arguments)
        guard result.status == 0 else {
            throw CRDKubectlError(arguments: arguments, status: result.status, errors: result.errors + result.output)
        }
        return result.output
    }

    func execute(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--kubeconfig", kubeconfig] + arguments
        // Files rather than pipes: nothing can block on a full pipe buffer.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kubectl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out"), err = folder.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      output: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      errors: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

private struct CRDKubectlError: Error, CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let errors: String
    var description: String { "kubectl \(arguments.joined(separator: " ")) exited \(status): \(errors)" }
}
