import KubeClient

/// One rental: a tenant's paid request, which the operator turns into a namespace with a Pod,
/// a Service and policies. Cluster-scoped so `kubectl get computeleases` lists every rental.
public struct ComputeLease: CustomResource, Equatable {
    public static let descriptor = ResourceDescriptor(
        group: NCNGroup.name, version: NCNGroup.version, plural: "computeleases", kind: "ComputeLease", namespaced: false)

    public var apiVersion: String? = NCNGroup.apiVersion
    public var kind: String? = "ComputeLease"
    public var metadata: ObjectMeta
    public var spec: ComputeLeaseSpec
    public var status: ComputeLeaseStatus?

    /// A lease with the display labels derived from its spec (see `Labels`).
    public init(name: String, spec: ComputeLeaseSpec, labels: [String: String] = [:], annotations: [String: String]? = nil) {
        metadata = ObjectMeta(name: name, labels: labels, annotations: annotations)
        self.spec = spec
        refreshDerivedLabels()
    }

    public init(metadata: ObjectMeta, spec: ComputeLeaseSpec, status: ComputeLeaseStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// The lease name for a request: deterministic, so creating the lease twice for the same
    /// request is refused as AlreadyExists instead of renting the hardware twice.
    public static func name(forRequestEventId id: String) -> String {
        "lease-" + id.prefix(20)
    }

    /// Labels derived from the spec. They feed the TENANT and GPU columns of `kubectl get` (a
    /// column cannot shorten or join fields) and let you select by tenant:
    /// `kubectl get cl -l ncn.dev/tenant=3bf0c63fcb934634`.
    public enum Labels {
        /// The first 16 hex characters of the tenant's key (a full key is longer than a label value may be).
        public static let tenant = "ncn.dev/tenant"
        /// "<count>x<model>" (or "<count>x" for any model); absent without GPUs.
        public static let gpu = "ncn.dev/gpu"
    }

    public static func derivedLabels(for spec: ComputeLeaseSpec) -> [String: String] {
        var labels = [Labels.tenant: String(spec.tenantPubkey.prefix(16))]
        if spec.resources.gpus > 0 {
            var value = "\(spec.resources.gpus)x\(spec.resources.gpuModel ?? "")"
            // A label value is at most 63 characters and must end alphanumeric.
            value = String(value.prefix(63))
            while let last = value.last, !(last.isLetter || last.isNumber) { value.removeLast() }
            labels[Labels.gpu] = value
        }
        return labels
    }

    /// Re-derives the display labels after the spec changed; the operator calls it on every reconcile.
    public mutating func refreshDerivedLabels() {
        var labels = metadata.labels ?? [:]
        labels[Labels.gpu] = nil
        labels.merge(Self.derivedLabels(for: spec)) { _, derived in derived }
        metadata.labels = labels
    }

    public func semanticViolations() -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        if spec.resources.gpuModel != nil, spec.resources.gpus == 0 {
            found.append(SchemaViolation(path: "spec.resources.gpuModel", message: "a GPU model needs spec.resources.gpus > 0"))
        }
        if let cpu = spec.resources.cpu.milliValue, cpu == 0 {
            found.append(SchemaViolation(path: "spec.resources.cpu", message: "must be more than zero"))
        }
        if let memory = spec.resources.memory.value, memory == 0 {
            found.append(SchemaViolation(path: "spec.resources.memory", message: "must be more than zero"))
        }
        return found
    }

    public static let definition = CustomResourceDescription(
        group: NCNGroup.name, version: NCNGroup.version, kind: "ComputeLease", plural: "computeleases", singular: "computelease",
        shortNames: ["cl"], categories: ["ncn"], namespaced: false,
        summary: "ComputeLease is one rental of this cluster's compute to a Nostr Compute Network tenant: "
            + "the workload, what it may use, the payment terms, and what became of it. The operator turns a paid "
            + "lease into a namespace of its own with a Pod, a Service and network policies, and deletes it when payments stop.",
        spec: ComputeLeaseSpec.schema,
        status: ComputeLeaseStatus.schema,
        printerColumns: [
            PrinterColumn("Tenant", .string, #".metadata.labels.ncn\.dev/tenant"#, "The first 16 hex characters of the tenant's public key."),
            PrinterColumn("Image", .string, ".spec.image", "The container image."),
            PrinterColumn("GPU", .string, #".metadata.labels.ncn\.dev/gpu"#, "GPUs as count x model."),
            PrinterColumn("Phase", .string, ".status.phase", "Where the lease is in its life."),
            PrinterColumn("Paid-Until", .string, ".status.paidUntil", "Payments cover the workload until this time."),
            PrinterColumn("Endpoint", .string, ".status.primaryEndpoint", "The first address the tenant connects to."),
            PrinterColumn("Age", .date, ".metadata.creationTimestamp", "Time since the lease was created."),
            PrinterColumn("Node", .string, ".status.node", "The node running the workload.", priority: 1),
            PrinterColumn("Rail", .string, ".spec.paymentRail", "How the tenant pays.", priority: 1),
            PrinterColumn("Payments", .string, ".status.ledger.state", "Where payments stand: Funded, InvoiceDue, Grace.", priority: 1),
            PrinterColumn("Received-msats", .integer, ".status.ledger.msatsReceived", "Everything received so far.", priority: 1),
            PrinterColumn("Escrowed-msats", .integer, ".status.ledger.escrowedMsats", "Received in escrow, locked, not yet earned.", priority: 1),
            PrinterColumn("Reason", .string, ".status.terminationReason", "Why the lease ended.", priority: 1),
        ]
    )
}
