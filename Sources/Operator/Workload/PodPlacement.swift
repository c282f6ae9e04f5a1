import KubeClient

/// Where the scheduler may put a lease's Pod.
struct PodPlacement: Equatable, Sendable {
    var nodeSelector: [String: String]?
    var affinity: JSONValue?
    var tolerations: [Toleration]?

    static func forLease(_ lease: CheckedLease) -> PodPlacement {
        let resources = lease.spec.resources
        if resources.gpus > 0 {
            // The model is a hard requirement: the tenant paid the price of that model. Without a
            // model any GPU node will do; the `nvidia.com/gpu` limit alone steers the scheduler.
            // GPU nodes are usually tainted so that only GPU workloads land there.
            let selector = resources.gpuModel.flatMap { model in lease.gpuNodeLabelKey.map { [$0: model] } }
            return PodPlacement(nodeSelector: selector, affinity: nil, tolerations: [gpuToleration])
        }
        // A CPU lease may run anywhere but prefers nodes without GPUs, so a GPU node's CPUs stay
        // free for the GPU leases that need them. Soft, so CPU leases still run on GPU-only clusters.
        guard let key = lease.gpuNodeLabelKey else { return PodPlacement() }
        return PodPlacement(nodeSelector: nil, affinity: preferNodesWithout(labelKey: key), tolerations: nil)
    }

    static let gpuToleration = Toleration(key: ResourceQuotaBuilder.gpuResource, operator: "Exists", effect: "NoSchedule")

    static func preferNodesWithout(labelKey key: String) -> JSONValue {
        .object([
            "nodeAffinity": .object([
                "preferredDuringSchedulingIgnoredDuringExecution": .array([
                    .object([
                        "weight": .number(100),
                        "preference": .object([
                            "matchExpressions": .array([.object(["key": .string(key), "operator": .string("DoesNotExist")])]),
                        ]),
                    ]),
                ]),
            ]),
        ])
    }
}
