/// What the container may use. The quantities are kept as the tenant wrote them (a lease stores
/// Kubernetes quantities) next to the numbers prices are computed from.
public struct ComputeResources: Sendable, Hashable {
    /// The tenant's CPU quantity, e.g. "2" or "500m".
    public var cpu: String
    /// The tenant's memory quantity, e.g. "8Gi".
    public var memory: String
    public var cpuMillicores: Int64
    public var memoryBytes: Int64
    /// Whole GPUs; 0 for none.
    public var gpus: Int
    /// The GPU model as providers label nodes (e.g. NVIDIA-H100-80GB-HBM3); set exactly when gpus > 0.
    public var gpuModel: String?
    /// The tenant's local disk quantity (`disk` param), e.g. "20Gi"; nil when the request names
    /// none and the provider's per-lease amount (its offer's `default-disk`) applies.
    public var disk: String?
    /// `disk` in bytes; set exactly when `disk` is.
    public var diskBytes: Int64?

    public init(
        cpu: String, memory: String, cpuMillicores: Int64, memoryBytes: Int64, gpus: Int = 0, gpuModel: String? = nil,
        disk: String? = nil, diskBytes: Int64? = nil
    ) {
        self.cpu = cpu
        self.memory = memory
        self.cpuMillicores = cpuMillicores
        self.memoryBytes = memoryBytes
        self.gpus = gpus
        self.gpuModel = gpuModel
        self.disk = disk
        self.diskBytes = diskBytes
    }
}

/// A port the container listens on.
public struct ComputePort: Sendable, Hashable {
    public var port: Int
    public var `protocol`: ComputePortProtocol
    /// An IANA service name such as "http" or "ssh".
    public var name: String?

    public init(port: Int, protocol: ComputePortProtocol = .tcp, name: String? = nil) {
        self.port = port
        self.protocol = `protocol`
        self.name = name
    }
}

/// An environment variable of the container.
public struct ComputeEnvVar: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
