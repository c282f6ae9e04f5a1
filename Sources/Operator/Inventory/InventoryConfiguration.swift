import ComputeAPI
import KubeClient

/// What the inventory needs to know about how this cluster names and guards its GPUs.
public struct InventoryConfiguration: Sendable, Equatable {
    /// The extended resource GPUs are counted as (the NVIDIA device plugin's by default).
    public static let nvidiaGPUResource = "nvidia.com/gpu"

    /// The node label whose value names the node's GPU model (the provider's `gpuNodeLabelKey`).
    public var gpuModelLabelKey: String
    public var gpuResourceName: String
    /// The tolerations our lease pods carry: nodes whose NoSchedule/NoExecute taints they all
    /// tolerate still count as schedulable. GPU nodes are commonly tainted so only GPU work lands
    /// there, and our GPU pods tolerate that, hence the default.
    public var tolerations: [Toleration]

    public init(
        gpuModelLabelKey: String = ComputeDefaults.gpuNodeLabelKey,
        gpuResourceName: String = InventoryConfiguration.nvidiaGPUResource,
        tolerations: [Toleration] = InventoryConfiguration.defaultTolerations
    ) {
        self.gpuModelLabelKey = gpuModelLabelKey
        self.gpuResourceName = gpuResourceName
        self.tolerations = tolerations
    }

    public static let defaultTolerations = [Toleration(key: nvidiaGPUResource, operator: "Exists", effect: nil)]
}
