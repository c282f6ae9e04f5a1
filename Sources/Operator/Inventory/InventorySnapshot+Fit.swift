import ComputeAPI

/// A node a demand fits on, and what would be left there.
public struct NodeFit: Sendable, Hashable {
    public var node: String
    public var gpuModel: String?
    /// The demand as amounts on that node (GPUs under its model, one pod slot).
    public var amounts: ResourceAmounts
    public var freeAfter: ResourceAmounts
}

extension InventorySnapshot {
    /// The best node for `demand`, or nil when no schedulable node has room.
    public func canFit(_ demand: ResourceDemand) -> NodeFit? { fits(for: demand).first }

    /// `canFit` from quantities (cpu "500m", memory "8Gi", disk "10Gi"); nil also when a quantity is invalid.
    public func canFit(cpu: Quantity, memory: Quantity, gpus: Int = 0, gpuModel: String? = nil, ephemeralStorage: Quantity? = nil) -> NodeFit? {
        guard let demand = try? ResourceDemand(cpu: cpu, memory: memory, gpus: gpus, gpuModel: gpuModel, ephemeralStorage: ephemeralStorage)
        else { return nil }
        return canFit(demand)
    }

    public func canFit(_ resources: LeaseResources) -> NodeFit? {
        guard let demand = try? ResourceDemand(resources) else { return nil }
        return canFit(demand)
    }

    /// Every node `demand` fits on, best first. Best fit: fewest GPUs left idle (so a CPU-only
    /// lease goes to a node without GPUs, and a 1-GPU lease does not split the only 8-GPU node),
    /// then least CPU left, then least memory left, then least disk left, so big holes stay open for big leases;
    /// names break ties so the choice is stable.
    public func fits(for demand: ResourceDemand) -> [NodeFit] {
        var fits: [NodeFit] = []
        for node in nodes where node.isSchedulable && demand.accepts(gpuModel: node.gpuModel) {
            let amounts = demand.amounts(onGPUModel: node.gpuModel)
            let free = node.free
            guard free.covers(amounts) else { continue }
            fits.append(NodeFit(node: node.name, gpuModel: node.gpuModel, amounts: amounts, freeAfter: free - amounts))
        }
        return fits.sorted { a, b in
            (a.freeAfter.totalGPUs, a.freeAfter.cpuMillis, a.freeAfter.memoryBytes, a.freeAfter.ephemeralStorageBytes, a.node)
                < (b.freeAfter.totalGPUs, b.freeAfter.cpuMillis, b.freeAfter.memoryBytes, b.freeAfter.ephemeralStorageBytes, b.node)
        }
    }
}

extension InventorySnapshot {
    /// Why `demand` fits nowhere, node by node, for the provider's log (not the tenant: node
    /// names and what other leases hold are the provider's business).
    public func shortfall(for demand: ResourceDemand) -> String {
        guard !nodes.isEmpty else { return "the inventory has no nodes (not synced yet, or none match)" }
        return nodes.map { node in
            if !node.isSchedulable { return "\(node.name): \(node.exclusions.map(\.description).joined(separator: "; "))" }
            if !demand.accepts(gpuModel: node.gpuModel) { return "\(node.name): GPU model \(node.gpuModel ?? "none")" }
            return "\(node.name): free \(node.free.cpuMillis)m CPU, \(node.free.memoryBytes >> 20)Mi, "
                + "\(node.free.ephemeralStorageBytes >> 20)Mi disk, \(node.free.pods) pods "
                + "(allocatable \(node.allocatable.cpuMillis)m; pods request \(node.requested.cpuMillis)m; bids hold \(node.reserved.cpuMillis)m)"
        }.joined(separator: " | ")
    }
}
