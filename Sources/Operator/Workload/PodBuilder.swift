import KubeClient

/// The template of the one Pod that runs the tenant's workload; `JobBuilder` wraps it in a Job.
enum PodBuilder {
    static func template(_ lease: CheckedLease) -> PodTemplateSpec {
        let placement = PodPlacement.forLease(lease)
        var spec = PodSpec(containers: [container(lease)])
        // A lease runs one workload once: when it exits, the Pod's terminal phase
        // (Succeeded or Failed) becomes the lease's, and the hardware is released. With OnFailure
        // a crashing workload would restart forever on paid-for hardware and the lease could never
        // report Failed; tenants who want a service that restarts can supervise inside the image.
        spec.restartPolicy = "Never"
        // A backstop for a cluster whose Job controller is not running: the kubelet stops the Pod
        // when the rented duration is over. It counts from the Pod's start and may only be lowered,
        // so what follows payments is the Job's deadline (WorkloadDeadline), which comes first.
        spec.activeDeadlineSeconds = Int64(lease.spec.durationSeconds)
        spec.nodeSelector = placement.nodeSelector
        spec.affinity = placement.affinity
        spec.tolerations = placement.tolerations
        spec.runtimeClassName = lease.runtimeClassName
        spec.securityContext = lease.security.podSecurityContext
        // The tenant gets no credentials for this cluster's API, and no list of its Services
        // (service links would inject every Service of the namespace as variables).
        spec.automountServiceAccountToken = false
        spec.enableServiceLinks = false
        spec.hostNetwork = false
        spec.hostPID = false
        spec.hostIPC = false
        // No volumes at all, so no hostPath: the container's own writable layer serves /tmp.
        spec.volumes = nil
        // The lease's labels (the Service and NetworkPolicies select on them); the Job controller
        // adds its own, and names the Pod `workload-<random>` and makes the Job its owner.
        var labels = LeaseLabels.common(forLease: lease.name, tenantPrefix: lease.tenantPrefix)
        labels.merge(LeaseLabels.workloadSelector(forLease: lease.name)) { _, selector in selector }
        return PodTemplateSpec(metadata: ObjectMeta(labels: labels), spec: spec)
    }

    static func container(_ lease: CheckedLease) -> Container {
        let leaseSpec = lease.spec
        var container = Container(name: LeaseObjectNames.container, image: lease.image)
        // Always asks the registry: an image another lease pulled earlier must not run from the
        // node's cache for a tenant the registry would refuse (a private image, a revoked tag).
        container.imagePullPolicy = "Always"
        // An empty list means "the image's own", as Kubernetes reads it; nil says the same and
        // matches what the apiserver returns.
        container.command = leaseSpec.command?.isEmpty == false ? leaseSpec.command : nil
        container.args = leaseSpec.args?.isEmpty == false ? leaseSpec.args : nil
        // In the tenant's order: later variables may refer to earlier ones as $(NAME).
        let env = (leaseSpec.env ?? []).map { EnvVar(name: $0.name, value: $0.value.isEmpty ? nil : $0.value) }
        container.env = env.isEmpty ? nil : env
        if lease.envSecretData != nil {
            container.envFrom = [EnvFromSource(secretRef: EnvFromSource.Reference(name: LeaseObjectNames.envSecret))]
        }
        let ports = lease.ports.map { ContainerPort(name: $0.name, containerPort: $0.port, protocol: $0.protocol.rawValue) }
        container.ports = ports.isEmpty ? nil : ports
        container.resources = resources(lease)
        container.securityContext = lease.security.containerSecurityContext
        return container
    }

    /// Requests equal limits: the Pod is in the Guaranteed QoS class, so the tenant always gets
    /// (and is evicted last from) exactly what was paid for, and can never burst into what others paid for.
    static func resources(_ lease: CheckedLease) -> ResourceRequirements {
        let resources = lease.spec.resources
        var amounts = ["cpu": resources.cpu.text, "memory": resources.memory.text]
        if resources.gpus > 0 { amounts[ResourceQuotaBuilder.gpuResource] = String(resources.gpus) }
        // Disk too: the scheduler places the pod where it fits, and the kubelet evicts it past the limit.
        if let disk = resources.ephemeralStorage { amounts[ResourceQuotaBuilder.ephemeralStorage] = disk.text }
        return ResourceRequirements(requests: amounts, limits: amounts)
    }
}
