import KubeClient

/// What the operator's caches keep of the kinds it holds one of per lease. Each trim keeps what
/// its readers read and drops the rest; what goes is what `ncn-bench cache` measured as most of
/// the memory per lease (the Job's Pod template, the Pods' environment and security settings,
/// the children's labels and annotations).
extension CacheTrim where R == Pod {
    /// For the lease controller (`LeaseStatusObserver`, `WorkloadObservation`) and the inventory
    /// (`PodUsage`): metadata, the node, each container's name, image and resources, the status.
    public static var observedPod: Self {
        CacheTrim("observed-pod") { pod in
            pod.metadata.annotations = nil
            guard var spec = pod.spec else { return }
            for index in spec.containers.indices {
                var container = Container(name: spec.containers[index].name, image: spec.containers[index].image)
                container.resources = spec.containers[index].resources
                spec.containers[index] = container
            }
            var kept = PodSpec(containers: spec.containers)
            kept.nodeName = spec.nodeName
            pod.spec = kept
        }
    }
}

extension CacheTrim where R == Job {
    /// For the lease reconciler: the Job's metadata, status and deadline (`JobBuilder.refresh`),
    /// without the Pod template it never reads back (it applies its own).
    public static var observedJob: Self {
        CacheTrim("observed-job") { job in
            job.spec?.template = PodTemplateSpec(metadata: nil, spec: nil)
        }
    }
}
