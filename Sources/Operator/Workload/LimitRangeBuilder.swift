import KubeClient

/// Per-container bounds equal to the lease's resources, with defaults equal to them, so a
/// container written without resources (by anyone) gets exactly what was paid for instead of
/// being refused by the quota or left unbounded.
enum LimitRangeBuilder {
    static func build(_ lease: CheckedLease) -> LimitRange {
        let resources = lease.spec.resources
        var amounts = ["cpu": resources.cpu.text, "memory": resources.memory.text]
        // GPUs appear only when paid for. A `max` of 0 would not do for CPU leases: the LimitRanger
        // refuses every container that sets no limit for a resource with a `max`, and the default
        // needed to avoid that would write `nvidia.com/gpu: 0` into each Pod. The quota already
        // holds CPU leases to zero GPUs.
        if resources.gpus > 0 { amounts[ResourceQuotaBuilder.gpuResource] = String(resources.gpus) }
        if let disk = resources.ephemeralStorage { amounts[ResourceQuotaBuilder.ephemeralStorage] = disk.text }
        let item = LimitRange.Item(type: "Container", max: amounts, default: amounts, defaultRequest: amounts)
        return LimitRange(metadata: lease.metadata(name: LeaseObjectNames.limitRange), spec: LimitRange.Spec(limits: [item]))
    }
}
