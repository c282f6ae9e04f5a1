import KubeClient

/// One node as the market sees it: what it offers, what pods already take, what unpaid bids hold.
public struct NodeInventory: Sendable, Equatable {
    public var name: String
    /// The value of the GPU model label; nil when the node has no (or an empty) label.
    public var gpuModel: String?
    public var allocatable: ResourceAmounts
    /// Requests of the pods bound to the node that have not finished.
    public var requested: ResourceAmounts
    /// Held by reservations of bids not yet paid.
    public var reserved: ResourceAmounts
    /// Why new lease pods cannot go there; empty when they can.
    public var exclusions: [NodeExclusion]

    public init(
        name: String, gpuModel: String? = nil, allocatable: ResourceAmounts, requested: ResourceAmounts = .zero,
        reserved: ResourceAmounts = .zero, exclusions: [NodeExclusion] = []
    ) {
        self.name = name
        self.gpuModel = gpuModel
        self.allocatable = allocatable
        self.requested = requested
        self.reserved = reserved
        self.exclusions = exclusions
    }

    /// What is left for new leases; never negative.
    public var free: ResourceAmounts { allocatable - requested - reserved }

    public var isSchedulable: Bool { exclusions.isEmpty }
}

/// Why a node takes no new lease pods.
public enum NodeExclusion: Sendable, Hashable, CustomStringConvertible {
    /// `spec.unschedulable` (kubectl cordon).
    case cordoned
    /// The Ready condition is present and not True (its status: False or Unknown).
    case notReady(status: String)
    /// A NoSchedule/NoExecute taint our pods do not tolerate.
    case tainted(key: String, value: String?, effect: String)
    /// Amounts on the node or its pods could not be read, so what is free is unknown.
    case unreadable(InventoryError)

    public var description: String {
        switch self {
        case .cordoned: return "cordoned (spec.unschedulable)"
        case let .notReady(status): return "Ready condition is \(status)"
        case let .tainted(key, value, effect): return "taint \(key)\(value.map { "=\($0)" } ?? ""):\(effect) is not tolerated"
        case let .unreadable(error): return "unreadable: \(error)"
        }
    }
}

extension NodeExclusion {
    /// The exclusions that follow from the node object alone (not from its pods).
    static func of(_ node: Node, tolerations: [Toleration]) -> [NodeExclusion] {
        var found: [NodeExclusion] = []
        if node.spec?.unschedulable == true { found.append(.cordoned) }
        if let ready = node.status?.conditions?.first(where: { $0.type == "Ready" }), ready.status != "True" {
            found.append(.notReady(status: ready.status))
        }
        for taint in node.spec?.taints ?? [] where taint.repelsPods && !tolerations.contains(where: { $0.tolerates(taint) }) {
            found.append(.tainted(key: taint.key, value: taint.value, effect: taint.effect))
        }
        return found
    }
}
