import Foundation
import KubeClient
@testable import Operator
import XCTest

/// Builders of nodes and pods for the inventory tests. `Node`'s nested types have no public
/// initializers, so nodes are decoded from the JSON the apiserver would send.
enum InventoryFixtures {
    static let model = "NVIDIA-A100-SXM4-80GB"

    struct Taint {
        var key: String
        var value: String?
        var effect: String
    }

    static func node(
        _ name: String, cpu: String? = "8", memory: String? = "32Gi", pods: String? = "110", gpus: String? = nil,
        labels: [String: String] = [:], unschedulable: Bool? = nil, ready: String? = "True", taints: [Taint] = [],
        extra: [String: String] = [:]
    ) -> Node {
        var allocatable: [String: String] = extra
        allocatable["cpu"] = cpu
        allocatable["memory"] = memory
        allocatable["pods"] = pods
        allocatable["nvidia.com/gpu"] = gpus
        var spec: [String: Any] = [:]
        if let unschedulable { spec["unschedulable"] = unschedulable }
        if !taints.isEmpty {
            spec["taints"] = taints.map { taint -> [String: Any] in
                var json: [String: Any] = ["key": taint.key, "effect": taint.effect]
                json["value"] = taint.value
                return json
            }
        }
        var status: [String: Any] = ["allocatable": allocatable, "capacity": allocatable]
        if let ready { status["conditions"] = [["type": "Ready", "status": ready]] }
        let json: [String: Any] = [
            "apiVersion": "v1", "kind": "Node", "metadata": ["name": name, "labels": labels], "spec": spec, "status": status,
        ]
        let data = try! JSONSerialization.data(withJSONObject: json)
        return try! JSONDecoder().decode(Node.self, from: data)
    }

    static func gpuNode(_ name: String, gpus: String = "4", model: String? = InventoryFixtures.model, cpu: String = "32", memory: String = "128Gi") -> Node {
        node(name, cpu: cpu, memory: memory, gpus: gpus, labels: model.map { ["nvidia.com/gpu.product": $0] } ?? [:])
    }

    static func container(_ name: String = "main", requests: [String: String]? = nil, limits: [String: String]? = nil) -> Container {
        var container = Container(name: name, image: "busybox")
        if requests != nil || limits != nil { container.resources = ResourceRequirements(requests: requests, limits: limits) }
        return container
    }

    static func pod(
        _ name: String, on nodeName: String?, phase: String? = "Running", namespace: String = "tenant",
        containers: [Container]
    ) -> Pod {
        var spec = PodSpec(containers: containers)
        spec.nodeName = nodeName
        var pod = Pod(metadata: ObjectMeta(name: name, namespace: namespace), spec: spec)
        pod.status = phase.map { PodStatus(phase: $0) }
        return pod
    }

    /// A pod with one container whose requests equal its limits, as lease pods are built.
    static func pod(
        _ name: String, on nodeName: String?, cpu: String, memory: String, gpus: String? = nil, phase: String? = "Running"
    ) -> Pod {
        var quantities = ["cpu": cpu, "memory": memory]
        quantities["nvidia.com/gpu"] = gpus
        return pod(name, on: nodeName, phase: phase, containers: [container(requests: quantities, limits: quantities)])
    }

    static let gib: Int64 = 1 << 30
}

final class InventoryFixtureTests: XCTestCase {
    /// The decoded fixtures are what the inventory reads from real objects.
    func testFixturesDecodeAsTheApiserverWouldSendThem() {
        let node = InventoryFixtures.node(
            "n", unschedulable: true, taints: [.init(key: "k", value: nil, effect: "NoSchedule")])
        XCTAssertEqual(node.status?.allocatable?["cpu"], "8")
        XCTAssertEqual(node.spec?.unschedulable, true)
        XCTAssertEqual(node.spec?.taints?.first?.key, "k")
        XCTAssertNil(node.spec?.taints?.first?.value)
        XCTAssertEqual(node.status?.conditions?.first?.status, "True")
    }
}
