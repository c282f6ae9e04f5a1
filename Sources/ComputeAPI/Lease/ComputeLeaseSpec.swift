/// What a tenant rented: the workload, what it may use, and the terms it is paid on.
/// Written once by the bridge from the tenant's request and the accepted bid.
public struct ComputeLeaseSpec: Codable, Sendable, Equatable {
    /// The tenant's Nostr public key, 64 lowercase hex characters.
    public var tenantPubkey: String
    /// The id of the job request event (kind 5900) this lease answers.
    public var requestEventId: String
    /// Where the tenant listens for invoices and status.
    public var relays: [String]
    public var image: String
    public var command: [String]?
    public var args: [String]?
    public var env: [LeaseEnvVar]?
    /// A Secret whose keys become environment variables (the tenant's decrypted private parameters).
    public var envSecretRef: SecretReference?
    public var resources: LeaseResources
    public var ports: [LeasePort]?
    public var durationSeconds: Int
    public var pricePerIntervalMsats: Int64
    public var intervalSeconds: Int
    public var graceSeconds: Int
    public var paymentRail: PaymentRail
    /// An unpaid lease is abandoned after this.
    public var bidExpiresAt: Timestamp?
    /// The workload category the tenant declared, if any (kept for the provider's records).
    public var category: String?
    /// Set when every tranche is paid into escrow (draft §7.7).
    public var escrow: LeaseEscrow?

    public init(
        tenantPubkey: String,
        requestEventId: String,
        relays: [String],
        image: String,
        command: [String]? = nil,
        args: [String]? = nil,
        env: [LeaseEnvVar]? = nil,
        envSecretRef: SecretReference? = nil,
        resources: LeaseResources,
        ports: [LeasePort]? = nil,
        durationSeconds: Int,
        pricePerIntervalMsats: Int64,
        intervalSeconds: Int = ComputeDefaults.intervalSeconds,
        graceSeconds: Int = ComputeDefaults.graceSeconds,
        paymentRail: PaymentRail,
        bidExpiresAt: Timestamp? = nil,
        category: String? = nil,
        escrow: LeaseEscrow? = nil
    ) {
        self.category = category
        self.escrow = escrow
        self.tenantPubkey = tenantPubkey
        self.requestEventId = requestEventId
        self.relays = relays
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.envSecretRef = envSecretRef
        self.resources = resources
        self.ports = ports
        self.durationSeconds = durationSeconds
        self.pricePerIntervalMsats = pricePerIntervalMsats
        self.intervalSeconds = intervalSeconds
        self.graceSeconds = graceSeconds
        self.paymentRail = paymentRail
        self.bidExpiresAt = bidExpiresAt
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tenantPubkey = try container.decode(String.self, forKey: .tenantPubkey)
        requestEventId = try container.decode(String.self, forKey: .requestEventId)
        relays = try container.decode([String].self, forKey: .relays)
        image = try container.decode(String.self, forKey: .image)
        command = try container.decodeIfPresent([String].self, forKey: .command)
        args = try container.decodeIfPresent([String].self, forKey: .args)
        env = try container.decodeIfPresent([LeaseEnvVar].self, forKey: .env)
        envSecretRef = try container.decodeIfPresent(SecretReference.self, forKey: .envSecretRef)
        resources = try container.decode(LeaseResources.self, forKey: .resources)
        ports = try container.decodeIfPresent([LeasePort].self, forKey: .ports)
        durationSeconds = try container.decode(Int.self, forKey: .durationSeconds)
        pricePerIntervalMsats = try container.decode(Int64.self, forKey: .pricePerIntervalMsats)
        intervalSeconds = try container.decodeIfPresent(Int.self, forKey: .intervalSeconds) ?? ComputeDefaults.intervalSeconds
        graceSeconds = try container.decodeIfPresent(Int.self, forKey: .graceSeconds) ?? ComputeDefaults.graceSeconds
        paymentRail = try container.decode(PaymentRail.self, forKey: .paymentRail)
        bidExpiresAt = try container.decodeIfPresent(Timestamp.self, forKey: .bidExpiresAt)
        category = try container.decodeIfPresent(String.self, forKey: .category)
        escrow = try container.decodeIfPresent(LeaseEscrow.self, forKey: .escrow)
    }

    static let schema = Schema.object("What the tenant rented and the terms it is paid on. Written by the provider's bridge from the tenant's request and the accepted bid.", [
        .required("tenantPubkey", .string("The tenant's Nostr public key: 64 lowercase hex characters.").pattern(Patterns.hex64)),
        .required("requestEventId", .string("The id of the tenant's job request event: 64 lowercase hex characters.").pattern(Patterns.hex64)),
        .required("relays", .array(of: .string("A relay URL (ws:// or wss://).").pattern(Patterns.relayURL).maxLength(512),
                                   "Relays the tenant reads invoices and status from.").count(ComputeLimits.relays)),
        .required("image", .string("The container image, e.g. ghcr.io/org/app:1.2; it must come from a registry the provider allows.")
            .pattern(Patterns.imageReference).length(1...1024)),
        .optional("command", .array(of: .string("An entrypoint word.").maxLength(ComputeLimits.argLength),
                                    "Overrides the image's entrypoint.").maxItems(ComputeLimits.commandItems).listAtomic()),
        .optional("args", .array(of: .string("An argument.").maxLength(ComputeLimits.argLength),
                                 "Arguments to the entrypoint.").maxItems(ComputeLimits.argItems).listAtomic()),
        .optional("env", .array(of: LeaseEnvVar.schema, "Plain environment variables. Secret values belong in envSecretRef.")
            .maxItems(ComputeLimits.envVars).listMap(keys: ["name"])),
        .optional("envSecretRef", SecretReference.schema(
            "A Secret holding the tenant's private parameters, decrypted from the request by the provider; each key becomes an environment variable of the container. Secret values never appear in the lease itself. Only the lease's own Secret is accepted: '<lease name>-env' in the operator's namespace; the operator refuses to run a lease that names any other.",
            namePattern: Patterns.leaseEnvSecretName, nameDescription: "'<lease name>-env', the Secret the provider wrote for this lease.")),
        .required("resources", LeaseResources.schema),
        .optional("ports", .array(of: LeasePort.schema, "Ports the container listens on; each is exposed through a Service and listed in status.endpoints.")
            .maxItems(ComputeLimits.ports).listMap(keys: ["port", "protocol"])),
        .required("durationSeconds", .integer("How long the tenant asked to run for, in seconds; the workload stops after this even if paid further.")
            .range(ComputeLimits.durationSeconds)),
        .required("pricePerIntervalMsats", .integer("The agreed price of one billing interval, in millisatoshis.")
            .range(ComputeLimits.msats)),
        .optional("intervalSeconds", .integer("Length of one billing interval (one payment tranche), in seconds.")
            .range(ComputeLimits.intervalSeconds).defaulting(.integer(Int64(ComputeDefaults.intervalSeconds)))),
        .optional("graceSeconds", .integer("How long past status.paidUntil the workload keeps running while a payment is on its way.")
            .range(ComputeLimits.graceSeconds).defaulting(.integer(Int64(ComputeDefaults.graceSeconds)))),
        .required("paymentRail", .oneOf(PaymentRail.self, "How the tenant pays: lightning (bolt11 invoices) or cashu (ecash tokens).")),
        .optional("bidExpiresAt", .dateTime("If no payment has arrived by this time, the lease expires without ever running.")),
        .optional("category", .string("The workload category the tenant declared in its request (param category), e.g. inference.")
            .pattern(Patterns.workloadCategory).maxLength(32)),
        .optional("escrow", LeaseEscrow.schema),
    ])
}
