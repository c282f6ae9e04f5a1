/// Amounts of the resources the market rents out: CPU in millicores, memory and local disk
/// (ephemeral-storage) in bytes, whole GPUs by model, and pod slots. Never negative: subtraction stops at zero, because "less than nothing
/// free" (an overcommitted node) means the same to a bidder as nothing free.
public struct ResourceAmounts: Sendable, Hashable, CustomStringConvertible {
    /// The key of GPUs on nodes that do not name their model (no or empty model label). Such GPUs
    /// only serve requests that accept any model.
    public static let unknownGPUModel = ""

    public static let zero = ResourceAmounts()

    public private(set) var cpuMillis: Int64
    public private(set) var memoryBytes: Int64
    /// Whole GPUs keyed by model; zero counts are left out so equal amounts compare equal.
    public private(set) var gpus: [String: Int64]
    public private(set) var pods: Int64
    /// Local disk (the `ephemeral-storage` resource).
    public private(set) var ephemeralStorageBytes: Int64

    public init(cpuMillis: Int64 = 0, memoryBytes: Int64 = 0, gpus: [String: Int64] = [:], pods: Int64 = 0, ephemeralStorageBytes: Int64 = 0) {
        self.cpuMillis = max(cpuMillis, 0)
        self.memoryBytes = max(memoryBytes, 0)
        self.gpus = gpus.filter { $0.value > 0 }
        self.pods = max(pods, 0)
        self.ephemeralStorageBytes = max(ephemeralStorageBytes, 0)
    }

    /// Amounts with `gpus` GPUs of one model (nil or empty: unknown model).
    public init(cpuMillis: Int64 = 0, memoryBytes: Int64 = 0, gpus: Int64, gpuModel: String?, pods: Int64 = 0, ephemeralStorageBytes: Int64 = 0) {
        self.init(cpuMillis: cpuMillis, memoryBytes: memoryBytes, gpus: [Self.gpuKey(gpuModel): gpus], pods: pods,
                  ephemeralStorageBytes: ephemeralStorageBytes)
    }

    /// The dictionary key GPUs of `model` are counted under.
    public static func gpuKey(_ model: String?) -> String { model ?? unknownGPUModel }

    /// GPUs of one model, or of every model when `model` is nil.
    public func gpus(model: String?) -> Int64 {
        guard let model else { return totalGPUs }
        return gpus[model] ?? 0
    }

    public var totalGPUs: Int64 { gpus.values.reduce(0, Self.add) }

    public var isZero: Bool { self == .zero }

    /// Whether every amount here is at least the one in `demand` (GPUs model by model).
    public func covers(_ demand: ResourceAmounts) -> Bool {
        cpuMillis >= demand.cpuMillis && memoryBytes >= demand.memoryBytes && pods >= demand.pods
            && ephemeralStorageBytes >= demand.ephemeralStorageBytes
            && demand.gpus.allSatisfy { model, count in (gpus[model] ?? 0) >= count }
    }

    public static func + (lhs: ResourceAmounts, rhs: ResourceAmounts) -> ResourceAmounts {
        ResourceAmounts(
            cpuMillis: add(lhs.cpuMillis, rhs.cpuMillis), memoryBytes: add(lhs.memoryBytes, rhs.memoryBytes),
            gpus: lhs.gpus.merging(rhs.gpus, uniquingKeysWith: add), pods: add(lhs.pods, rhs.pods),
            ephemeralStorageBytes: add(lhs.ephemeralStorageBytes, rhs.ephemeralStorageBytes))
    }

    /// Saturating: each amount stops at zero.
    public static func - (lhs: ResourceAmounts, rhs: ResourceAmounts) -> ResourceAmounts {
        // Both sides are never negative, so these differences cannot overflow.
        var gpus = lhs.gpus
        for (model, count) in rhs.gpus { gpus[model] = (gpus[model] ?? 0) - count }
        return ResourceAmounts(
            cpuMillis: lhs.cpuMillis - rhs.cpuMillis, memoryBytes: lhs.memoryBytes - rhs.memoryBytes,
            gpus: gpus, pods: lhs.pods - rhs.pods, ephemeralStorageBytes: lhs.ephemeralStorageBytes - rhs.ephemeralStorageBytes)
    }

    public static func += (lhs: inout ResourceAmounts, rhs: ResourceAmounts) { lhs = lhs + rhs }
    public static func -= (lhs: inout ResourceAmounts, rhs: ResourceAmounts) { lhs = lhs - rhs }

    public var description: String {
        var parts = ["cpu=\(cpuMillis)m", "memory=\(memoryBytes)", "pods=\(pods)"]
        if ephemeralStorageBytes > 0 { parts.insert("disk=\(ephemeralStorageBytes)", at: 2) }
        for (model, count) in gpus.sorted(by: { $0.key < $1.key }) {
            parts.append("gpu[\(model.isEmpty ? "unknown" : model)]=\(count)")
        }
        return parts.joined(separator: " ")
    }

    /// Adds without trapping: a node claiming absurd amounts must not crash the operator.
    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int64.max : sum
    }
}
