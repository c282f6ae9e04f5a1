/// What the operator and billing observed about a lease; written only through the status
/// subresource, each field by its one owner (`LeaseStatusOwner`).
public struct ComputeLeaseStatus: Codable, Sendable, Equatable {
    public var phase: LeasePhase?
    public var conditions: [Condition]?
    /// Payments cover the workload until this time (billing moves it forward one interval per tranche).
    public var paidUntil: Timestamp?
    public var endpoints: [LeaseEndpoint]?
    /// The first endpoint as "host:port", for `kubectl get`; always set through `setEndpoints`.
    public var primaryEndpoint: String?
    public var node: String?
    /// The namespace the lease's workload lives in.
    public var namespace: String?
    public var observedGeneration: Int64?
    public var ledger: LedgerSummary?
    public var message: String?
    public var terminationReason: TerminationReason?
    /// The workload container's exit code, once it has exited.
    public var exitCode: Int32?
    /// The image scanner's verdict (when the provider scans images).
    public var imageScan: LeaseImageScan?

    public init(
        phase: LeasePhase? = nil, conditions: [Condition]? = nil, paidUntil: Timestamp? = nil, endpoints: [LeaseEndpoint]? = nil,
        node: String? = nil, namespace: String? = nil, observedGeneration: Int64? = nil, ledger: LedgerSummary? = nil,
        message: String? = nil, terminationReason: TerminationReason? = nil
    ) {
        self.phase = phase
        self.conditions = conditions
        self.paidUntil = paidUntil
        self.node = node
        self.namespace = namespace
        self.observedGeneration = observedGeneration
        self.ledger = ledger
        self.message = message
        self.terminationReason = terminationReason
        setEndpoints(endpoints)
    }

    /// Sets the endpoint list and the summary column derived from it together, so they never disagree.
    public mutating func setEndpoints(_ endpoints: [LeaseEndpoint]?) {
        self.endpoints = endpoints
        primaryEndpoint = endpoints?.first?.address
    }

    static let schema = Schema.object("What the operator and billing observed. Written only through the status subresource.", [
        .optional("phase", .oneOf(LeasePhase.self, "Where the lease is in its life: AwaitingPayment, Provisioning, Running, "
            + "or one of the terminal phases Succeeded, Failed, Expired, Terminated.")),
        .optional("conditions", .array(of: Condition.schema, "Conditions Paid (billing), Scheduled and Ready (the operator) and CancelRequested (the market), in the standard Kubernetes shape.")
            .maxItems(16).listMap(keys: ["type"])),
        .optional("paidUntil", .dateTime("Payments received cover the workload until this time.")),
        .optional("endpoints", .array(of: LeaseEndpoint.schema, "Where the tenant reaches the lease's ports.")
            .maxItems(ComputeLimits.ports).listAtomic()),
        .optional("primaryEndpoint", .string("The first endpoint as host:port, shown by kubectl get.").maxLength(300)),
        .optional("node", .string("The node the workload was scheduled to.").maxLength(253)),
        .optional("namespace", .string("The namespace holding the lease's pod, service and policies.").pattern(Patterns.dnsLabel).length(1...63)),
        .optional("observedGeneration", .integer("The metadata.generation the operator last acted on.").minimum(0)),
        .optional("ledger", LedgerSummary.schema),
        .optional("message", .string("A human-readable account of the current state.").maxLength(32_768)),
        .optional("terminationReason", .string("Why the lease ended, in CamelCase: PaymentLapsed, BidExpired, DurationElapsed, "
            + "TenantCancelled, ProviderTerminated, PolicyViolation, WorkloadExited or WorkloadNotStarted.").pattern(Patterns.reason).length(1...128)),
        .optional("exitCode", .integer("The workload container's exit code, once it has exited.").range(Int64(Int32.min)...Int64(Int32.max))),
        .optional("imageScan", LeaseImageScan.schema),
    ])
}
