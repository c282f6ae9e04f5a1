import KubeClient

/// The part of a pod the inventory depends on, to tell pod updates that change what a node has
/// free from the many that do not (status conditions, IPs, annotations).
struct PodUsage: Equatable {
    var nodeName: String
    var resources: [ResourceRequirements?]

    /// Nil for a pod that holds nothing on any node: not bound yet, or finished.
    init?(_ pod: Pod?) {
        guard let pod, let nodeName = pod.spec?.nodeName, !nodeName.isEmpty, !InventorySnapshot.isFinished(pod) else { return nil }
        self.nodeName = nodeName
        resources = pod.spec?.containers.map(\.resources) ?? []
    }

    /// Whether replacing `old` by `new` (nil: absent) can change the inventory.
    static func changes(from old: Pod?, to new: Pod?) -> Bool { PodUsage(old) != PodUsage(new) }
}
