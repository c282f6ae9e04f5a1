import Foundation

/// A message a relay sends to a client (NIP-01, plus `AUTH` from NIP-42).
///
/// Parsing is strict about shape (arity and element types) because a frame we half-understand
/// is worse than one we reject; it is not a validity check of the event inside an `EVENT`,
/// which is the verifier's job.
public enum RelayMessage: Sendable, Hashable {
    /// `["EVENT", <subscription id>, <event>]`
    case event(subscriptionID: String, event: NostrEvent)
    /// `["OK", <event id>, <true|false>, <message>]`
    case ok(eventID: String, accepted: Bool, message: RelayStatusMessage)
    /// `["EOSE", <subscription id>]`: stored events are done, live ones follow.
    case endOfStoredEvents(subscriptionID: String)
    /// `["CLOSED", <subscription id>, <message>]`: the relay ended (or refused) a subscription.
    case closed(subscriptionID: String, message: RelayStatusMessage)
    /// `["NOTICE", <message>]`: human-readable, no defined semantics.
    case notice(String)
    /// `["AUTH", <challenge>]` (NIP-42).
    case auth(challenge: String)

    /// Parses one WebSocket text frame.
    public init(json text: String) throws(RelayError) {
        try self.init(json: Data(text.utf8))
    }

    /// Parses one frame's bytes (UTF-8 JSON).
    public init(json data: Data) throws(RelayError) {
        self = try RelayWireCoding.decode(RelayMessage.self, from: data)
    }

    /// The frame's text; the inverse of `init(json:)`. Used by tests and mock relays.
    public func jsonString() throws(RelayError) -> String {
        try RelayWireCoding.encode(self)
    }
}

extension RelayMessage: Codable {
    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        let type = try container.decode(String.self)
        switch type {
        case "EVENT":
            let subscriptionID = try container.decode(String.self)
            let event = try container.decode(NostrEvent.self)
            self = .event(subscriptionID: subscriptionID, event: event)
        case "OK":
            let eventID = try container.decode(String.self)
            let accepted = try container.decode(Bool.self)
            let message = try container.decode(String.self)
            self = .ok(eventID: eventID, accepted: accepted, message: RelayStatusMessage(message))
        case "EOSE":
            self = .endOfStoredEvents(subscriptionID: try container.decode(String.self))
        case "CLOSED":
            let subscriptionID = try container.decode(String.self)
            let message = try container.decode(String.self)
            self = .closed(subscriptionID: subscriptionID, message: RelayStatusMessage(message))
        case "NOTICE":
            self = .notice(try container.decode(String.self))
        case "AUTH":
            self = .auth(challenge: try container.decode(String.self))
        default:
            throw RelayError(.unsupportedMessage, "unknown relay message type \(RelayWireCoding.quoted(type))")
        }
        try RelayWireCoding.expectEnd(of: container, type: type)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        switch self {
        case .event(let subscriptionID, let event):
            try container.encode("EVENT")
            try container.encode(subscriptionID)
            try container.encode(event)
        case .ok(let eventID, let accepted, let message):
            try container.encode("OK")
            try container.encode(eventID)
            try container.encode(accepted)
            try container.encode(message.raw)
        case .endOfStoredEvents(let subscriptionID):
            try container.encode("EOSE")
            try container.encode(subscriptionID)
        case .closed(let subscriptionID, let message):
            try container.encode("CLOSED")
            try container.encode(subscriptionID)
            try container.encode(message.raw)
        case .notice(let message):
            try container.encode("NOTICE")
            try container.encode(message)
        case .auth(let challenge):
            try container.encode("AUTH")
            try container.encode(challenge)
        }
    }
}
