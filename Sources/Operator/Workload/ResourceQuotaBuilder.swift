import ComputeAPI
import KubeClient

/// The namespace's hard ceiling: exactly what the tenant paid for, so even a mistake in the Pod
/// builder (or someone with access to the namespace) cannot take more of the cluster.
enum ResourceQuotaBuilder {
    static let gpuResource = "nvidia.com/gpu"
    static let ephemeralStorage = "ephemeral-storage"

    static func build(_ lease: CheckedLease) -> ResourceQuota {
        let resources = lease.spec.resources
        let ports = lease.ports.count
        let hasService = ports > 0
        let isLoadBalancer = hasService && lease.serviceType == .loadBalancer
        var hard: [String: String] = [
            "requests.cpu": resources.cpu.text,
            "limits.cpu": resources.cpu.text,
            "requests.memory": resources.memory.text,
            "limits.memory": resources.memory.text,
            // Extended resources can only be limited through `requests.`; 0 for CPU leases,
            // so a CPU lease can never take a GPU.
            "requests.\(gpuResource)": String(resources.gpus),
            // One workload. Not 2 to let a replacement start while the old Pod terminates: the cpu
            // and memory quota would refuse a second Pod anyway, and the reconciler simply retries
            // once the old one is gone.
            "pods": "1",
            "services": hasService ? "1" : "0",
            // A LoadBalancer Service also allocates one node port per port (the quota counts both).
            "services.nodeports": String(ports),
            "services.loadbalancers": isLoadBalancer ? "1" : "0",
            // No storage was sold: no claims, so no PersistentVolumes either.
            "persistentvolumeclaims": "0",
        ]
        if let disk = resources.ephemeralStorage {
            hard["requests.\(ephemeralStorage)"] = disk.text
            hard["limits.\(ephemeralStorage)"] = disk.text
        }
        // Secrets and ConfigMaps are not capped: the control plane itself puts the service account
        // token Secret (before 1.24) and kube-root-ca.crt into every namespace.
        return ResourceQuota(metadata: lease.metadata(name: LeaseObjectNames.resourceQuota), spec: ResourceQuota.Spec(hard: hard))
    }
}
