/// Sums over the nodes that take new lease pods: what the provider's offer advertises.
public struct InventoryTotals: Sendable, Equatable {
    public var allocatable = ResourceAmounts.zero
    public var requested = ResourceAmounts.zero
    public var reserved = ResourceAmounts.zero
    /// Sum of each node's free amounts; a single lease can only use what one node has free.
    public var free = ResourceAmounts.zero
    public var schedulableNodes = 0
    /// Nodes known but excluded (cordoned, not ready, tainted, unreadable).
    public var excludedNodes = 0

    public init() {}
}

extension InventorySnapshot {
    public var totals: InventoryTotals {
        var totals = InventoryTotals()
        for node in nodes {
            guard node.isSchedulable else {
                totals.excludedNodes += 1
                continue
            }
            totals.schedulableNodes += 1
            totals.allocatable += node.allocatable
            totals.requested += node.requested
            totals.reserved += node.reserved
            totals.free += node.free
        }
        return totals
    }

    /// Free GPUs on schedulable nodes by model (`ResourceAmounts.unknownGPUModel` for unlabelled nodes).
    public var freeGPUsByModel: [String: Int64] { totals.free.gpus }

    /// Free GPUs of `model` on schedulable nodes, or of any model when nil.
    public func freeGPUs(model: String?) -> Int64 { totals.free.gpus(model: model) }

    /// The most GPUs of each model one lease could get now (a lease runs on a single node).
    public var largestFreeGPUsOnOneNode: [String: Int64] {
        var largest: [String: Int64] = [:]
        for node in nodes where node.isSchedulable {
            for (model, count) in node.free.gpus { largest[model] = max(largest[model] ?? 0, count) }
        }
        return largest
    }
}
