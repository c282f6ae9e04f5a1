import ComputeAPI
import KubeClient

extension ResourceAmounts {
    /// Local disk as Kubernetes names it in allocatable, requests and limits.
    public static let ephemeralStorageResource = "ephemeral-storage"

    /// Reads a Kubernetes quantity map (a node's allocatable, a container's requests). Resources
    /// the market does not rent (hugepages, other devices) are ignored; GPUs (`gpuResource`) are
    /// counted under `gpuModel`. A node without `ephemeral-storage` has no disk to offer: the
    /// scheduler refuses it any pod that asks for disk, and so does the inventory.
    public init(
        quantities: [String: String], gpuModel: String?,
        gpuResource: String = InventoryConfiguration.nvidiaGPUResource, context: String = "quantities"
    ) throws(InventoryError) {
        func read(_ resource: String, _ convert: (Quantity) -> Int64?) throws(InventoryError) -> Int64 {
            guard let text = quantities[resource] else { return 0 }
            guard let amount = convert(Quantity(text)) else {
                throw .invalidQuantity(resource: resource, value: text, context: context)
            }
            return amount
        }
        self.init(
            cpuMillis: try read("cpu", \.milliValue), memoryBytes: try read("memory", \.value),
            gpus: try read(gpuResource, \.value), gpuModel: gpuModel, pods: try read("pods", \.value),
            ephemeralStorageBytes: try read(Self.ephemeralStorageResource, \.value))
    }

    /// What a pod takes from its node, as the scheduler counts it: per container, the request,
    /// or the limit when only a limit is given (the apiserver defaults requests to limits);
    /// GPUs, an extended resource, from the limit. One pod slot.
    ///
    /// Init containers and pod overhead are not counted: `PodSpec` does not carry them, and our
    /// lease pods use neither. A pod whose init container asks for more than its containers
    /// together is undercounted.
    public init(requestsOf pod: Pod, gpuModel: String?, gpuResource: String = InventoryConfiguration.nvidiaGPUResource) throws(InventoryError) {
        var total = ResourceAmounts(pods: 1)
        let name = ObjectKey(pod.metadata)?.description ?? "a pod"
        for container in pod.spec?.containers ?? [] {
            let requests = container.resources?.requests ?? [:]
            let limits = container.resources?.limits ?? [:]
            var effective = limits.merging(requests) { _, request in request }
            effective[gpuResource] = limits[gpuResource] ?? requests[gpuResource]
            effective["pods"] = nil
            total += try ResourceAmounts(
                quantities: effective, gpuModel: gpuModel, gpuResource: gpuResource,
                context: "pod \(name) container \(container.name)")
        }
        self = total
    }
}
