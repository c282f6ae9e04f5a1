/// What the provider's offer event (kind 31900) tells tenants about where and what it is.
public struct Advertisement: Codable, Sendable, Equatable {
    public var region: String?
    public var labels: [String: String]?

    public init(region: String? = nil, labels: [String: String]? = nil) {
        self.region = region
        self.labels = labels
    }

    static let schema = Schema.object("What the provider's public offer says about it, besides prices and capacity.", [
        .optional("region", .string("Where the hardware is, e.g. eu-central or a city; free text for tenants.").length(1...64)),
        .optional("labels", .map(of: .string("A label value.").maxLength(256),
                                 "Free-form key/value tags published in the offer, e.g. tier: datacenter, network: 10gbit.")
            .memberCount(0...32)),
    ])
}
