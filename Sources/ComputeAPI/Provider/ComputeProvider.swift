import KubeClient

/// The provider's configuration. The operator reads the one named `default` (by convention, not
/// enforced, so tests can keep their own); it only reads it, hence no status.
public struct ComputeProvider: CustomResource, Equatable {
    public static let descriptor = ResourceDescriptor(
        group: NCNGroup.name, version: NCNGroup.version, plural: "computeproviders", kind: "ComputeProvider", namespaced: false)

    /// The name the operator looks for.
    public static let defaultName = "default"

    public var apiVersion: String? = NCNGroup.apiVersion
    public var kind: String? = "ComputeProvider"
    public var metadata: ObjectMeta
    public var spec: ComputeProviderSpec

    public init(name: String = ComputeProvider.defaultName, spec: ComputeProviderSpec, labels: [String: String]? = nil) {
        metadata = ObjectMeta(name: name, labels: labels)
        self.spec = spec
    }

    public init(metadata: ObjectMeta, spec: ComputeProviderSpec) {
        self.metadata = metadata
        self.spec = spec
    }

    /// The keys the operator reads from the Secret named by `spec.secretRef`.
    public enum SecretKeys {
        /// The provider's Nostr secret key, nsec1... (NIP-19) or 64 hex.
        public static let nsec = "nsec"
        /// nostr+walletconnect://... for the nwc Lightning backend.
        public static let nwcURI = "nwc-uri"
        /// The LNbits base URL for the lnbits backend.
        public static let lnbitsURL = "lnbits-url"
        /// An LNbits invoice/read key: it can create invoices and check them, but not spend.
        public static let lnbitsInvoiceKey = "lnbits-invoice-key"
        /// Optional: the secret key (64 hex) Cashu tokens may be P2PK-locked to (NUT-11, NIP-61).
        /// It must not be the Nostr key: NIP-61 keeps the two apart.
        public static let cashuP2PKKey = "cashu-p2pk-key"
    }

    /// The Secret keys this configuration needs, so a missing one can be reported by name.
    public var requiredSecretKeys: [String] {
        var keys = [SecretKeys.nsec]
        switch spec.payments.lightning?.backend {
        case .nwc: keys.append(SecretKeys.nwcURI)
        case .lnbits: keys += [SecretKeys.lnbitsURL, SecretKeys.lnbitsInvoiceKey]
        case nil: break
        }
        return keys
    }

    public func semanticViolations() -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        let range = spec.policy.portRange
        if range.min > range.max {
            found.append(SchemaViolation(path: "spec.policy.portRange", message: "min \(range.min) is above max \(range.max)"))
        }
        if spec.billing.invoiceLeadSeconds >= spec.billing.intervalSeconds {
            found.append(SchemaViolation(path: "spec.billing.invoiceLeadSeconds",
                                         message: "must be shorter than the interval (\(spec.billing.intervalSeconds) s)"))
        }
        for (model, _) in spec.pricing.msatsPerGpuHour ?? [:] where !Schema.matches(model, Patterns.labelValue) || model.count > 63 {
            found.append(SchemaViolation(path: "spec.pricing.msatsPerGpuHour.\(model)", message: "is not a valid node label value"))
        }
        return found
    }

    public static let definition = CustomResourceDescription(
        group: NCNGroup.name, version: NCNGroup.version, kind: "ComputeProvider", plural: "computeproviders", singular: "computeprovider",
        shortNames: ["cp"], categories: ["ncn"], namespaced: false,
        summary: "ComputeProvider configures this cluster as a Nostr Compute Network provider: relays, prices, billing, "
            + "payment rails and what tenants may run. The operator reads the one named default. Keys live in the Secret "
            + "named by spec.secretRef, never here.",
        spec: ComputeProviderSpec.schema,
        status: nil,
        printerColumns: [
            PrinterColumn("Region", .string, ".spec.advertise.region", "Where the provider says its hardware is."),
            PrinterColumn("Service-Type", .string, ".spec.serviceType", "How lease ports are exposed."),
            PrinterColumn("Interval", .integer, ".spec.billing.intervalSeconds", "Seconds per billing interval."),
            PrinterColumn("Runtime", .string, ".spec.runtimeClassName", "The RuntimeClass of tenant pods.", priority: 1),
            PrinterColumn("Age", .date, ".metadata.creationTimestamp", "Time since the provider was created."),
        ]
    )
}
