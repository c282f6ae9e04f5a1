import ComputeAPI

/// What one lease needs from a single node.
public struct ResourceDemand: Sendable, Hashable {
    public var cpuMillis: Int64
    public var memoryBytes: Int64
    public var gpus: Int64
    /// The GPU model the node must have (the pod's nodeSelector); nil accepts any node.
    public var gpuModel: String?
    /// Local disk (ephemeral-storage request = limit); 0 for none.
    public var ephemeralStorageBytes: Int64

    public init(cpuMillis: Int64, memoryBytes: Int64, gpus: Int64 = 0, gpuModel: String? = nil, ephemeralStorageBytes: Int64 = 0) {
        self.cpuMillis = cpuMillis
        self.memoryBytes = memoryBytes
        self.gpus = gpus
        self.gpuModel = gpuModel
        self.ephemeralStorageBytes = ephemeralStorageBytes
    }

    public init(cpu: Quantity, memory: Quantity, gpus: Int = 0, gpuModel: String? = nil, ephemeralStorage: Quantity? = nil) throws(InventoryError) {
        guard let cpuMillis = cpu.milliValue else { throw .invalidQuantity(resource: "cpu", value: cpu.text, context: "demand") }
        guard let memoryBytes = memory.value else { throw .invalidQuantity(resource: "memory", value: memory.text, context: "demand") }
        var disk: Int64 = 0
        if let ephemeralStorage {
            guard let bytes = ephemeralStorage.value else {
                throw .invalidQuantity(resource: ResourceAmounts.ephemeralStorageResource, value: ephemeralStorage.text, context: "demand")
            }
            disk = bytes
        }
        self.init(cpuMillis: cpuMillis, memoryBytes: memoryBytes, gpus: Int64(gpus), gpuModel: gpuModel, ephemeralStorageBytes: disk)
    }

    public init(_ resources: LeaseResources) throws(InventoryError) {
        try self.init(cpu: resources.cpu, memory: resources.memory, gpus: resources.gpus, gpuModel: resources.gpuModel,
                      ephemeralStorage: resources.ephemeralStorage)
    }

    /// The amounts one pod with this demand takes on a node whose GPUs are `nodeModel`.
    public func amounts(onGPUModel nodeModel: String?) -> ResourceAmounts {
        ResourceAmounts(cpuMillis: cpuMillis, memoryBytes: memoryBytes, gpus: gpus, gpuModel: nodeModel, pods: 1,
                        ephemeralStorageBytes: ephemeralStorageBytes)
    }

    /// Whether the node's model satisfies the demand's, as a nodeSelector on the model label would.
    public func accepts(gpuModel nodeModel: String?) -> Bool {
        gpuModel == nil || gpuModel == nodeModel
    }
}
