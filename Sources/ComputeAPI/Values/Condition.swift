/// A condition in the standard Kubernetes shape (`metav1.Condition`), so `kubectl wait
/// --for=condition=Ready` and generic tooling understand ComputeLeases.
public struct Condition: Codable, Sendable, Equatable {
    public var type: ConditionType
    public var status: ConditionStatus
    /// CamelCase, machine-readable: why the condition is what it is.
    public var reason: String
    /// For humans; may be empty (and is then left out on the wire, as `value` of a core EnvVar is).
    public var message: String
    /// When `status` last changed (not when the condition was last written).
    public var lastTransitionTime: Timestamp
    /// The `metadata.generation` the condition was computed from.
    public var observedGeneration: Int64?

    public init(
        type: ConditionType, status: ConditionStatus, reason: String, message: String = "",
        lastTransitionTime: Timestamp = .now(), observedGeneration: Int64? = nil
    ) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.observedGeneration = observedGeneration
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(ConditionType.self, forKey: .type)
        status = try container.decode(ConditionStatus.self, forKey: .status)
        reason = try container.decode(String.self, forKey: .reason)
        message = try container.decodeIfPresent(String.self, forKey: .message) ?? ""
        lastTransitionTime = try container.decode(Timestamp.self, forKey: .lastTransitionTime)
        observedGeneration = try container.decodeIfPresent(Int64.self, forKey: .observedGeneration)
    }

    /// An empty message is left out rather than sent as "": shorter, and the same to every reader.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(status, forKey: .status)
        try container.encode(reason, forKey: .reason)
        if !message.isEmpty { try container.encode(message, forKey: .message) }
        try container.encode(lastTransitionTime, forKey: .lastTransitionTime)
        try container.encodeIfPresent(observedGeneration, forKey: .observedGeneration)
    }

    private enum CodingKeys: String, CodingKey {
        case type, status, reason, message, lastTransitionTime, observedGeneration
    }

    static let schema = Schema.object("A condition of the object, in the standard Kubernetes shape.", [
        .required("type", .string("The aspect this condition reports on: Paid, Scheduled, Ready or CancelRequested.")
            .pattern(Patterns.conditionType).maxLength(316)),
        .required("status", .oneOf(ConditionStatus.self, "Whether the condition holds: True, False or Unknown.")),
        .required("reason", .string("Why the condition has its status, in CamelCase for machines.")
            .pattern(Patterns.reason).length(1...1024)),
        .optional("message", .string("Why the condition has its status, for humans; absent when there is nothing to add.").maxLength(32_768)),
        .required("lastTransitionTime", .dateTime("When status last changed.")),
        .optional("observedGeneration", .integer("The metadata.generation this condition was computed from.").minimum(0)),
    ])
}

public enum ConditionStatus: String, Codable, Sendable, CaseIterable {
    case `true` = "True"
    case `false` = "False"
    case unknown = "Unknown"
}

/// Condition types are an open set (other tools may add their own), so this is not an enum.
public struct ConditionType: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    /// Billing has received payment covering the present (`paidUntil` is in the future).
    public static let paid: ConditionType = "Paid"
    /// The scheduler has bound the workload to a node.
    public static let scheduled: ConditionType = "Scheduled"
    /// The workload runs and its endpoints are reachable.
    public static let ready: ConditionType = "Ready"
    /// The tenant asked to end the lease (a NIP-09 deletion of its request); the reconciler ends it.
    public static let cancelRequested: ConditionType = "CancelRequested"
}

extension Array where Element == Condition {
    public subscript(type: ConditionType) -> Condition? {
        first { $0.type == type }
    }

    /// Adds or updates a condition the way `meta.SetStatusCondition` does: the transition time
    /// moves only when the status actually changes, so it says how long the state has held.
    /// Returns whether anything changed, so callers can skip a needless status write.
    @discardableResult
    public mutating func set(_ condition: Condition) -> Bool {
        guard let index = firstIndex(where: { $0.type == condition.type }) else {
            append(condition)
            return true
        }
        var updated = condition
        if self[index].status == condition.status {
            updated.lastTransitionTime = self[index].lastTransitionTime
        }
        guard self[index] != updated else { return false }
        self[index] = updated
        return true
    }
}
