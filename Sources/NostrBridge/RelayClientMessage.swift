import Foundation

/// A message a client sends to a relay (NIP-01, plus `AUTH` from NIP-42).
public enum ClientMessage: Sendable, Hashable {
    /// `["EVENT", <event>]`: publish.
    case event(NostrEvent)
    /// `["REQ", <subscription id>, <filter>, …]`: query stored events, then stream live ones.
    case req(subscriptionID: String, filters: [Filter])
    /// `["CLOSE", <subscription id>]`
    case close(subscriptionID: String)
    /// `["AUTH", <signed kind 22242 event>]` (NIP-42).
    case auth(NostrEvent)

    /// NIP-01 caps subscription ids at 64 characters and forbids empty ones.
    public static let subscriptionIDLengthLimit = 64

    /// Throws `invalidSubscriptionID` unless `id` is 1…64 characters.
    public static func validateSubscriptionID(_ id: String) throws(RelayError) {
        guard !id.isEmpty, id.count <= subscriptionIDLengthLimit else {
            throw RelayError(.invalidSubscriptionID, "subscription id must be 1…64 characters, got \(id.count)")
        }
    }

    /// The frame's text.
    public func jsonString() throws(RelayError) -> String {
        try RelayWireCoding.encode(self)
    }

    /// Parses a client frame; relays (and the mock relays in tests) need this direction.
    public init(json text: String) throws(RelayError) {
        self = try RelayWireCoding.decode(ClientMessage.self, from: Data(text.utf8))
    }
}

extension ClientMessage: Codable {
    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        let type = try container.decode(String.self)
        switch type {
        case "EVENT":
            self = .event(try container.decode(NostrEvent.self))
        case "REQ":
            let subscriptionID = try container.decode(String.self)
            try Self.validateSubscriptionID(subscriptionID)
            var filters: [Filter] = []
            while !container.isAtEnd {
                filters.append(try container.decode(Filter.self))
            }
            guard !filters.isEmpty else { throw RelayError.malformed("REQ without any filter") }
            self = .req(subscriptionID: subscriptionID, filters: filters)
        case "CLOSE":
            let subscriptionID = try container.decode(String.self)
            try Self.validateSubscriptionID(subscriptionID)
            self = .close(subscriptionID: subscriptionID)
        case "AUTH":
            self = .auth(try container.decode(NostrEvent.self))
        default:
            throw RelayError(.unsupportedMessage, "unknown client message type \(RelayWireCoding.quoted(type))")
        }
        try RelayWireCoding.expectEnd(of: container, type: type)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        switch self {
        case .event(let event):
            try container.encode("EVENT")
            try container.encode(event)
        case .req(let subscriptionID, let filters):
            try container.encode("REQ")
            try container.encode(subscriptionID)
            for filter in filters {
                try container.encode(filter)
            }
        case .close(let subscriptionID):
            try container.encode("CLOSE")
            try container.encode(subscriptionID)
        case .auth(let event):
            try container.encode("AUTH")
            try container.encode(event)
        }
    }
}
