import KubeClient

extension Toleration {
    /// Whether this toleration lets a pod onto a node with `taint`, with Kubernetes' rules: an
    /// empty effect matches every effect, an empty key with `Exists` matches every taint,
    /// `Equal` (or no operator) compares values, a missing value being the empty string.
    public func tolerates(_ taint: Node.Taint) -> Bool {
        if let effect, !effect.isEmpty, effect != taint.effect { return false }
        if let key, !key.isEmpty, key != taint.key { return false }
        switch self.operator ?? "Equal" {
        case "Exists":
            return true
        case "Equal", "":
            return (value ?? "") == (taint.value ?? "")
        default:
            return false
        }
    }
}

extension Node.Taint {
    /// Whether the taint keeps pods that do not tolerate it off the node. PreferNoSchedule is
    /// only a preference for the scheduler, so it does not.
    public var repelsPods: Bool { effect == "NoSchedule" || effect == "NoExecute" }
}
