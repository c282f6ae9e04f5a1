/// A tenant's compute job request (kind 5900), well-formed and decrypted. Whether this provider
/// will serve it (registries, GPU models, maximum duration, price against the bid, blocked
/// tenants, capacity) is decided later from these fields.
///
/// Its description and mirror leave out secret-env values and Cashu tokens, so logging a
/// request does not leak them.
public struct ComputeRequest: Sendable, Hashable {
    /// What reading a kind 5900 event found.
    public enum Parsed: Sendable, Hashable {
        /// Not a compute request this provider can read: no compute params (the NIP-90
        /// timestamping DVM also uses 5900), another kind, or encrypted to someone else.
        /// Ignore it silently.
        case notCompute
        case request(ComputeRequest)
    }

    /// The request event's id.
    public var id: String
    /// The tenant's pubkey (the event's author).
    public var tenant: String
    public var createdAt: Int64
    public var image: String
    /// Replaces the image's entrypoint.
    public var command: [String]?
    /// Arguments to the entrypoint.
    public var args: [String]?
    /// Plain environment variables.
    public var env: [ComputeEnvVar]
    /// Variables that came encrypted; they belong in a Secret, never in the lease object.
    public var secretEnv: [ComputeEnvVar]
    public var resources: ComputeResources
    public var ports: [ComputePort]
    /// How long the tenant wants to run, in seconds.
    public var durationSeconds: Int
    /// The most the tenant pays for the whole duration, in millisatoshis.
    public var bidMsats: Int64
    public var rail: ComputeRail
    /// Cashu tokens paying ahead (cashuA… / cashuB…), not yet checked with any mint.
    public var cashuTokens: [String]
    /// Where the tenant reads answers; empty means the relays the request came from.
    public var relays: [String]
    /// Providers the tenant addressed (`p` tags); empty means anyone may bid.
    public var providers: [String]
    /// NIP-40 expiration of the request, unix seconds.
    public var expiration: Int64?
    /// nil for a plain request.
    public var encryption: ComputeEncryption?
    /// The workload category the tenant declares (`["param","category",…]`), which a provider
    /// listing categories in its offer requires.
    public var category: String?
    /// The arbitrator (hex pubkey) the tenant asks to pay into escrow with (`["param","escrow",…]`,
    /// §7.7); nil for a lease paid outright.
    public var escrowArbitrator: String?

    public init(
        id: String, tenant: String, createdAt: Int64, image: String, command: [String]? = nil, args: [String]? = nil,
        env: [ComputeEnvVar] = [], secretEnv: [ComputeEnvVar] = [], resources: ComputeResources, ports: [ComputePort] = [],
        durationSeconds: Int, bidMsats: Int64, rail: ComputeRail = .lightning, cashuTokens: [String] = [], relays: [String] = [],
        providers: [String] = [], expiration: Int64? = nil, encryption: ComputeEncryption? = nil, category: String? = nil,
        escrowArbitrator: String? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.createdAt = createdAt
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.secretEnv = secretEnv
        self.resources = resources
        self.ports = ports
        self.durationSeconds = durationSeconds
        self.bidMsats = bidMsats
        self.rail = rail
        self.cashuTokens = cashuTokens
        self.relays = relays
        self.providers = providers
        self.expiration = expiration
        self.encryption = encryption
        self.category = category
        self.escrowArbitrator = escrowArbitrator
    }

    /// How to address answers to this request.
    public func replyContext(relayHint: String? = nil) -> ComputeReplyContext {
        ComputeReplyContext(requestID: id, tenant: tenant, encryption: encryption, relayHint: relayHint)
    }

    /// Whether `provider` (hex pubkey) was addressed, or the request is open to every provider.
    public func addresses(_ provider: String) -> Bool {
        providers.isEmpty || providers.contains(provider)
    }
}

extension ComputeRequest: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "ComputeRequest(id: \(id), tenant: \(tenant), image: \(image), cpu: \(resources.cpu), memory: \(resources.memory), "
            + "gpus: \(resources.gpus)\(resources.gpuModel.map { " \($0)" } ?? ""), disk: \(resources.disk ?? "default"), duration: \(durationSeconds)s, bid: \(bidMsats) msats, "
            + "rail: \(rail.rawValue), secretEnv: \(secretEnv.map(\.name)), cashuTokens: \(cashuTokens.count) <redacted>)"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["id": id, "tenant": tenant, "image": image, "resources": resources, "durationSeconds": durationSeconds,
                                "bidMsats": bidMsats, "rail": rail], displayStyle: .struct)
    }
}
