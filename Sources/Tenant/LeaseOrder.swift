import NostrBridge
import KubeQuantity

/// What the tenant asks for: the draft's request params (§3.2) and the most it pays.
public struct LeaseOrder: Sendable, Hashable {
    public var image: String
    public var cpu: String
    public var memory: String
    public var gpus: Int
    public var gpuModel: String?
    public var disk: String?
    public var command: [String]
    public var ports: [ComputePort]
    public var env: [ComputeEnvVar]
    /// Encrypted requests only (the CLI always encrypts to a chosen provider).
    public var secretEnv: [ComputeEnvVar]
    public var durationSeconds: Int
    /// The `bid` tag: the most paid for the whole duration, msats.
    public var maxPriceMsats: Int64
    /// How the tenant pays: Lightning invoices, or Cashu nutzaps (`["param","rail",…]`).
    public var rail: ComputeRail = .lightning
    /// The workload category (`["param","category",…]`), for providers whose offer lists some.
    public var category: String?
    /// Pay every tranche into escrow with this arbitrator (hex), draft §7.7; Cashu only.
    public var escrowArbitrator: String?

    public init(
        image: String, cpu: String, memory: String, gpus: Int = 0, gpuModel: String? = nil, disk: String? = nil, command: [String] = [],
        ports: [ComputePort] = [], env: [ComputeEnvVar] = [], secretEnv: [ComputeEnvVar] = [], durationSeconds: Int, maxPriceMsats: Int64
    ) {
        self.image = image
        self.cpu = cpu
        self.memory = memory
        self.gpus = gpus
        self.gpuModel = gpuModel
        self.disk = disk
        self.command = command
        self.ports = ports
        self.env = env
        self.secretEnv = secretEnv
        self.durationSeconds = durationSeconds
        self.maxPriceMsats = maxPriceMsats
    }

    /// The numbers prices are computed from; an error names the flag to fix.
    public func resources() throws(TenantError) -> ComputeResources {
        guard let millicores = KubeQuantity.millicores(cpu), millicores > 0 else {
            throw TenantError(.request, "--cpu \(cpu) is not a CPU quantity: write cores (\"2\", \"0.5\") or millicores (\"500m\")")
        }
        guard let bytes = KubeQuantity.bytes(memory), bytes > 0 else {
            throw TenantError(.request, "--memory \(memory) is not a memory quantity: write e.g. \"512Mi\" or \"8Gi\"")
        }
        var diskBytes: Int64?
        if let disk {
            guard let value = KubeQuantity.bytes(disk) else { throw TenantError(.request, "--disk \(disk) is not a quantity: write e.g. \"20Gi\"") }
            diskBytes = value
        }
        if gpus > 0, gpuModel == nil { throw TenantError(.request, "--gpus \(gpus) needs --gpu-model (see `ncn offers` for the models offered)") }
        return ComputeResources(cpu: cpu, memory: memory, cpuMillicores: millicores, memoryBytes: bytes, gpus: gpus,
                                gpuModel: gpus > 0 ? gpuModel : nil, disk: disk, diskBytes: diskBytes)
    }

    /// The draft's param, bid and relays tags, in the order §3.2 lists them.
    public func tags(relays: [String]) -> [[String]] {
        var tags: [[String]] = [["param", ComputeParam.image, image], ["param", ComputeParam.cpu, cpu], ["param", ComputeParam.memory, memory]]
        if gpus > 0 {
            tags.append(["param", ComputeParam.gpus, String(gpus)])
            if let gpuModel { tags.append(["param", ComputeParam.gpuModel, gpuModel]) }
        }
        if let disk { tags.append(["param", ComputeParam.disk, disk]) }
        if !command.isEmpty { tags.append(["param", ComputeParam.command] + command) }
        tags += env.map { ["param", ComputeParam.env, $0.name, $0.value] }
        tags += secretEnv.map { ["param", ComputeParam.secretEnv, $0.name, $0.value] }
        tags += ports.map { ["param", ComputeParam.port, String($0.port), $0.protocol.rawValue] + ($0.name.map { [$0] } ?? []) }
        tags.append(["param", ComputeParam.duration, String(durationSeconds)])
        tags.append(["param", ComputeParam.rail, rail.rawValue])
        if let category { tags.append(["param", ComputeParam.category, category]) }
        if let escrowArbitrator { tags.append(["param", ComputeParam.escrow, escrowArbitrator]) }
        tags.append([ComputeTag.bid, String(maxPriceMsats)])
        if !relays.isEmpty { tags.append([ComputeTag.relays] + relays) }
        return tags
    }
}
