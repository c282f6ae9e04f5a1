/// What a lease's container may use; requests equal limits, so the tenant gets exactly what was paid for.
public struct LeaseResources: Codable, Sendable, Equatable {
    public var cpu: Quantity
    public var memory: Quantity
    public var gpus: Int
    /// The node label value to match (under the provider's GPU label key); nil accepts any model.
    public var gpuModel: String?
    /// Local disk (the writable layer, logs, emptyDir): request = limit, so one lease cannot fill
    /// a node's disk for its neighbours. Fixed at bid time from the request's `disk` param or the
    /// provider's policy; nil in leases from before it existed.
    public var ephemeralStorage: Quantity?

    public init(cpu: Quantity, memory: Quantity, gpus: Int = 0, gpuModel: String? = nil, ephemeralStorage: Quantity? = nil) {
        self.cpu = cpu
        self.memory = memory
        self.gpus = gpus
        self.gpuModel = gpuModel
        self.ephemeralStorage = ephemeralStorage
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cpu = try container.decode(Quantity.self, forKey: .cpu)
        memory = try container.decode(Quantity.self, forKey: .memory)
        gpus = try container.decodeIfPresent(Int.self, forKey: .gpus) ?? 0
        gpuModel = try container.decodeIfPresent(String.self, forKey: .gpuModel)
        ephemeralStorage = try container.decodeIfPresent(Quantity.self, forKey: .ephemeralStorage)
    }

    // Quantities as strings (`Schema.quantityString`): the operator writes leases, and applies
    // their status by owner, which needs a CRD without int-or-string fields on Kubernetes 1.20.
    static let schema = Schema.object(
        "Compute the container gets. Requests equal limits: the tenant pays for and receives exactly this.", [
            .required("cpu", .quantityString("CPU as a Kubernetes quantity string, e.g. \"2\" or \"500m\".")),
            .required("memory", .quantityString("Memory as a Kubernetes quantity string, e.g. \"8Gi\".")),
            .optional("gpus", .integer("Number of whole GPUs (the nvidia.com/gpu resource); 0 for none.")
                .range(ComputeLimits.gpus).defaulting(0)),
            .optional("gpuModel", .string(
                "GPU model the node must have, matched against the provider's GPU node label "
                    + "(nvidia.com/gpu.product by default), e.g. NVIDIA-H100-80GB-HBM3. Omit to accept any model.")
                .pattern(Patterns.labelValue).length(1...63)),
            .optional("ephemeralStorage", .quantityString(
                "Local disk for the container's writable layer, logs and scratch volumes, e.g. \"10Gi\" (request = limit; the "
                    + "kubelet evicts a pod that writes more): the request's disk param, or the provider's per-lease amount, "
                    + "fixed when the bid is made. 64Mi to 64Ti.")),
        ])
}
