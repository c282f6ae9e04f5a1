import Foundation
import KubeClient
import XCTest

/// Every kind the operator reads or writes, created, read back, updated and deleted on the real apiserver.
final class KubernetesResourceKindsTests: XCTestCase {
    func testEveryKindRoundTrips() async throws {
        let bed = try TestBed.load()
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { ns in
                var container = Container(name: "main", image: "busybox:1.36")
                container.command = ["sleep", "3600"]
                container.ports = [ContainerPort(name: "http", containerPort: 8080)]
                container.resources = ResourceRequirements(requests: ["cpu": "250m", "memory": "64Mi"], limits: ["cpu": "250m", "memory": "64Mi"])
                var security = SecurityContext()
                security.allowPrivilegeEscalation = false
                security.capabilities = .init(drop: ["ALL"])
                security.seccompProfile = SeccompProfile(type: "RuntimeDefault")
                container.securityContext = security
                var spec = PodSpec(containers: [container])
                spec.automountServiceAccountToken = false
                spec.tolerations = [Toleration(key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule")]
                spec.activeDeadlineSeconds = 600
                let pod = try await client.create(Pod(metadata: ObjectMeta(name: "p", namespace: ns), spec: spec))
                XCTAssertEqual(pod.spec?.containers.first?.resources?.limits?["cpu"], "250m")
                XCTAssertEqual(pod.status?.phase, "Pending")

                // Status is a subresource: a kubelet (here: the test) writes it separately. The
                // scheduler may write it too (binding, or "unschedulable"), so a conflict means read again.
                var updated = pod
                for attempt in 1...10 {
                    var running = attempt == 1 ? pod : try await client.get(Pod.self, name: "p", namespace: ns)
                    running.status = PodStatus(phase: "Running")
                    running.status?.podIP = "10.1.0.7"
                    do {
                        updated = try await client.replaceStatus(running)
                        break
                    } catch let error as KubernetesError where error.isConflict && attempt < 10 {
                        continue
                    }
                }
                XCTAssertEqual(updated.status?.phase, "Running")
                XCTAssertEqual(updated.status?.podIP, "10.1.0.7")

                let service = try await client.create(Service(
                    metadata: ObjectMeta(name: "s", namespace: ns),
                    spec: .init(type: "NodePort", selector: ["app": "x"], ports: [.init(name: "http", protocol: "TCP", port: 8080, targetPort: 8080)])))
                let nodePort = try XCTUnwrap(service.spec?.ports?.first?.nodePort)
                XCTAssertTrue((30000...32767).contains(nodePort))

                let egress = [NetworkPolicySpec.EgressRule(to: [.init(ipBlock: .init(cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "169.254.0.0/16"]))])]
                let policy = try await client.create(NetworkPolicy(metadata: ObjectMeta(name: "np", namespace: ns), spec: NetworkPolicySpec(
                    policyTypes: [.ingress, .egress], egress: egress)))
                XCTAssertEqual(policy.spec?.egress, egress)

                let quota = try await client.create(ResourceQuota(metadata: ObjectMeta(name: "q", namespace: ns),
                                                                  spec: .init(hard: ["limits.cpu": "2", "requests.nvidia.com/gpu": "1"])))
                XCTAssertEqual(quota.spec?.hard?["requests.nvidia.com/gpu"], "1")
                let limits = try await client.create(LimitRange(metadata: ObjectMeta(name: "l", namespace: ns),
                                                               spec: .init(limits: [.init(type: "Container", max: ["cpu": "2"])])))
                XCTAssertEqual(limits.spec?.limits.first?.max?["cpu"], "2")

                let secret = try await client.create(Secret(metadata: ObjectMeta(name: "sec", namespace: ns), stringData: ["token": "s3cret"]))
                XCTAssertEqual(secret.value("token"), Array("s3cret".utf8))
                XCTAssertNil(secret.stringData)

                let event = try await client.create(Event(
                    metadata: ObjectMeta(name: "p.1", namespace: ns),
                    involvedObject: ObjectReference(apiVersion: "v1", kind: "Pod", name: "p", namespace: ns, uid: pod.metadata.uid),
                    reason: "Testing", message: "an event", type: "Normal"))
                XCTAssertEqual(event.reason, "Testing")

                let now = "2026-11-24T20:00:00.000000Z"
                var lease = try await client.create(Lease(metadata: ObjectMeta(name: "leader", namespace: ns),
                                                          spec: .init(holderIdentity: "a", leaseDurationSeconds: 15, acquireTime: now, renewTime: now)))
                lease.spec?.holderIdentity = "b"
                lease = try await client.replace(lease)
                XCTAssertEqual(lease.spec?.holderIdentity, "b")

                let nodes = try await client.list(Node.self)
                XCTAssertNotNil(nodes.metadata.resourceVersion)

                try await client.delete(Pod.self, name: "p", namespace: ns, propagation: .background)
                try await client.delete(Service.self, name: "s", namespace: ns)
                try await client.delete(NetworkPolicy.self, name: "np", namespace: ns)
                try await client.delete(Secret.self, name: "sec", namespace: ns)
                try await client.delete(Lease.self, name: "leader", namespace: ns)
            }
        }
    }

    func testDynamicObjectsKeepFieldsWeDoNotModel() async throws {
        let bed = try TestBed.load()
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { ns in
                let path = ConfigMap.descriptor.path(namespace: ns)
                let body = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dyn"},"data":{"a":"1"},"binaryData":{"b":"AAE="}}"#
                _ = try await client.send(.POST, path, body: Array(body.utf8))
                let raw = try await client.send(.GET, path + "/dyn")
                var object = try JSONDecoder().decode(DynamicObject.self, from: Data(raw))
                object.metadata.labels = ["touched": "yes"]
                let written = try await client.send(.PUT, path + "/dyn", body: Array(try JSONEncoder().encode(object)))
                let after = try JSONDecoder().decode(ConfigMap.self, from: Data(written))
                XCTAssertEqual(after.binaryData?["b"], "AAE=")
                XCTAssertEqual(after.data?["a"], "1")
                XCTAssertEqual(after.metadata.labels?["touched"], "yes")
            }
        }
    }
}
