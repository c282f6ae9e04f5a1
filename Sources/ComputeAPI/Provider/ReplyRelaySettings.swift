/// Where else the provider answers: the relays a tenant names in its request's `relays` tag,
/// within limits, because each one is a connection the provider opens on a stranger's word.
public struct ReplyRelaySettings: Codable, Sendable, Equatable {
    /// How many of a request's relays (beyond the provider's own) get its answers; 0 = none.
    public var maxPerRequest: Int
    /// Whether relays on loopback, private, link-local or `.local`/`.internal` names are
    /// acceptable. Off in production: a request must not steer the provider into its own network.
    public var allowPrivateAddresses: Bool

    public init(maxPerRequest: Int = ComputeDefaults.replyRelaysPerRequest, allowPrivateAddresses: Bool = false) {
        self.maxPerRequest = maxPerRequest
        self.allowPrivateAddresses = allowPrivateAddresses
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        maxPerRequest = try container.decodeIfPresent(Int.self, forKey: .maxPerRequest) ?? ComputeDefaults.replyRelaysPerRequest
        allowPrivateAddresses = try container.decodeIfPresent(Bool.self, forKey: .allowPrivateAddresses) ?? false
    }

    static let schema = Schema.object("Which relays named in a request's relays tag also get the provider's answers.", [
        .optional("maxPerRequest", .integer("How many of a request's relays, beyond the provider's own, get its answers (0: none).")
            .range(0...Int64(ComputeLimits.relays.upperBound)).defaulting(.integer(Int64(ComputeDefaults.replyRelaysPerRequest)))),
        .optional("allowPrivateAddresses", .boolean("Accept relays on loopback, private or link-local addresses and local names "
            + "(for test beds; keep false in production).").defaulting(.bool(false))),
    ])
}
