import KubeClient

/// The cluster's capacity at one moment, per node and in total: a value the bidder and the
/// offer publisher can query without locks or IO.
public struct InventorySnapshot: Sendable, Equatable {
    public static let empty = InventorySnapshot(nodes: [NodeInventory]())

    private var byName: [String: NodeInventory]

    public init(nodes: [NodeInventory]) {
        byName = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Every node, sorted by name.
    public var nodes: [NodeInventory] { byName.values.sorted { $0.name < $1.name } }

    public subscript(node name: String) -> NodeInventory? { byName[name] }

    /// Changes one node in place (e.g. applies a reservation); unknown names are ignored.
    mutating func modifyNode(named name: String, _ change: (inout NodeInventory) -> Void) {
        if byName[name] != nil { change(&byName[name]!) }
    }
}

extension InventorySnapshot {
    /// Computes the snapshot from the nodes and pods the watches hold. A pod counts against its
    /// node once bound (`spec.nodeName`) until it has Succeeded or Failed, as for the scheduler;
    /// pods on nodes we do not know are ignored.
    public init(nodes: [Node], pods: [Pod], configuration: InventoryConfiguration = InventoryConfiguration()) {
        var entries: [String: NodeInventory] = [:]
        for node in nodes {
            guard let name = node.metadata.name else { continue }
            let model = node.metadata.labels?[configuration.gpuModelLabelKey].flatMap { $0.isEmpty ? nil : $0 }
            var exclusions = NodeExclusion.of(node, tolerations: configuration.tolerations)
            let allocatable: ResourceAmounts
            do {
                allocatable = try ResourceAmounts(
                    quantities: node.status?.allocatable ?? [:], gpuModel: model,
                    gpuResource: configuration.gpuResourceName, context: "node \(name) allocatable")
            } catch {
                allocatable = .zero
                exclusions.append(.unreadable(error))
            }
            entries[name] = NodeInventory(name: name, gpuModel: model, allocatable: allocatable, exclusions: exclusions)
        }
        for pod in pods {
            guard let nodeName = pod.spec?.nodeName, var entry = entries[nodeName], !Self.isFinished(pod) else { continue }
            do {
                entry.requested += try ResourceAmounts(
                    requestsOf: pod, gpuModel: entry.gpuModel, gpuResource: configuration.gpuResourceName)
            } catch {
                // What this pod takes is unknown, so nothing on its node can be promised.
                entry.exclusions.append(.unreadable(error))
            }
            entries[nodeName] = entry
        }
        self.init(nodes: Array(entries.values))
    }

    /// Succeeded and Failed pods hold nothing any more; every other phase (Pending included) does.
    static func isFinished(_ pod: Pod) -> Bool {
        pod.status?.phase == "Succeeded" || pod.status?.phase == "Failed"
    }
}
