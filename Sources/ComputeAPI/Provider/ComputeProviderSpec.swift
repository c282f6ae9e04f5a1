/// The provider's configuration: where it talks, what it charges, how it is paid and what it allows.
public struct ComputeProviderSpec: Codable, Sendable, Equatable {
    public var relays: [String]
    public var pricing: Pricing
    public var billing: BillingSettings
    public var payments: PaymentSettings
    public var policy: WorkloadPolicy
    public var advertise: Advertisement?
    public var gpuNodeLabelKey: String
    public var serviceType: EndpointServiceType
    public var runtimeClassName: String?
    public var replyRelays: ReplyRelaySettings
    public var intake: IntakeSettings
    public var secretRef: SecretReference

    public init(
        relays: [String], pricing: Pricing, billing: BillingSettings = BillingSettings(), payments: PaymentSettings,
        policy: WorkloadPolicy = WorkloadPolicy(), advertise: Advertisement? = nil,
        gpuNodeLabelKey: String = ComputeDefaults.gpuNodeLabelKey, serviceType: EndpointServiceType = ComputeDefaults.serviceType,
        runtimeClassName: String? = nil, replyRelays: ReplyRelaySettings = ReplyRelaySettings(), intake: IntakeSettings = IntakeSettings(),
        secretRef: SecretReference
    ) {
        self.relays = relays
        self.pricing = pricing
        self.billing = billing
        self.payments = payments
        self.policy = policy
        self.advertise = advertise
        self.gpuNodeLabelKey = gpuNodeLabelKey
        self.serviceType = serviceType
        self.runtimeClassName = runtimeClassName
        self.replyRelays = replyRelays
        self.intake = intake
        self.secretRef = secretRef
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        relays = try container.decode([String].self, forKey: .relays)
        pricing = try container.decode(Pricing.self, forKey: .pricing)
        billing = try container.decodeIfPresent(BillingSettings.self, forKey: .billing) ?? BillingSettings()
        payments = try container.decode(PaymentSettings.self, forKey: .payments)
        policy = try container.decodeIfPresent(WorkloadPolicy.self, forKey: .policy) ?? WorkloadPolicy()
        advertise = try container.decodeIfPresent(Advertisement.self, forKey: .advertise)
        gpuNodeLabelKey = try container.decodeIfPresent(String.self, forKey: .gpuNodeLabelKey) ?? ComputeDefaults.gpuNodeLabelKey
        serviceType = try container.decodeIfPresent(EndpointServiceType.self, forKey: .serviceType) ?? ComputeDefaults.serviceType
        runtimeClassName = try container.decodeIfPresent(String.self, forKey: .runtimeClassName)
        replyRelays = try container.decodeIfPresent(ReplyRelaySettings.self, forKey: .replyRelays) ?? ReplyRelaySettings()
        intake = try container.decodeIfPresent(IntakeSettings.self, forKey: .intake) ?? IntakeSettings()
        secretRef = try container.decode(SecretReference.self, forKey: .secretRef)
    }

    static let schema = Schema.object("The provider's configuration: relays, prices, billing, payment rails and workload policy.", [
        .required("relays", .array(of: .string("A relay URL (ws:// or wss://).").pattern(Patterns.relayURL).maxLength(512),
                                   "Relays the provider reads job requests from and publishes offers, bids and invoices to.")
            .count(ComputeLimits.relays).listSet()),
        .required("pricing", Pricing.schema),
        .optional("billing", BillingSettings.schema.defaulting(.object([]))),
        .required("payments", PaymentSettings.schema),
        .optional("policy", WorkloadPolicy.schema.defaulting(.object([]))),
        .optional("advertise", Advertisement.schema),
        .optional("gpuNodeLabelKey", .string("The node label whose value names a node's GPU model.")
            .pattern(Patterns.labelKey).length(1...316).defaulting(.string(ComputeDefaults.gpuNodeLabelKey))),
        .optional("serviceType", .oneOf(EndpointServiceType.self, "How lease ports are exposed: NodePort (node address and port) "
            + "or LoadBalancer (one load balancer per lease).").defaulting(.string(ComputeDefaults.serviceType.rawValue))),
        .optional("runtimeClassName", .string("A RuntimeClass for tenant pods, e.g. gvisor or kata, for a sandbox stronger than "
            + "containers; it must exist in the cluster. Omit to use the default runtime.")
            .pattern(Patterns.dnsSubdomain).length(1...253)),
        .optional("replyRelays", ReplyRelaySettings.schema.defaulting(.object([]))),
        .optional("intake", IntakeSettings.schema.defaulting(.object([]))),
        .required("secretRef", SecretReference.schema("The Secret holding the provider's keys: nsec (the provider's Nostr key), "
            + "nwc-uri, lnbits-url and lnbits-invoice-key as its payment rails need. Keys never appear in this object.")),
    ])
}
