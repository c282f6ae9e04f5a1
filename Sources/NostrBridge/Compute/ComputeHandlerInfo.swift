import Foundation

/// The provider's NIP-89 handler announcement (kind 31990, draft §8.1): it tells generic NIP-90
/// clients that this pubkey serves kind 5900 compute requests, and points at its 31900 offer.
public struct ComputeHandlerInfo: Sendable, Hashable {
    /// `d`: the same identifier as the provider's offer, so each provider has one announcement.
    public var identifier: String
    /// Kind 0-style metadata in `content`.
    public var name: String
    public var about: String
    /// NIP-40, the same as the offer's, so a vanished provider's announcement lapses with it.
    public var expiration: Int64?

    public init(identifier: String, name: String, about: String, expiration: Int64? = nil) {
        self.identifier = identifier
        self.name = name
        self.about = about
        self.expiration = expiration
    }

    /// The event for `provider`; its `a` tag points at the offer with the same `d`.
    public func eventBuilder(provider: String) -> EventBuilder {
        var tags: [[String]] = [
            [ComputeTag.identifier, identifier], [ComputeTag.kind, String(ComputeKinds.request)],
            ["a", "\(ComputeKinds.offer):\(provider):\(identifier)"],
        ]
        if let expiration { tags.append([ComputeTag.expiration, String(expiration)]) }
        return EventBuilder(kind: ComputeKinds.handlerInfo, content: Self.metadata(name: name, about: about), tags: tags)
    }

    /// `{"about":…,"name":…}`, keys sorted so the same announcement is the same text.
    static func metadata(name: String, about: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: ["name": name, "about": about], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads an announcement, checking what a client relies on: kind, `d`, a `k` of 5900 and
    /// metadata with a name. Anything else from a relay is refused.
    public static func parse(_ event: NostrEvent) throws(ComputeEventError) -> ComputeHandlerInfo {
        guard event.kind == ComputeKinds.handlerInfo else { throw .wrongKind(event.kind, expected: ComputeKinds.handlerInfo) }
        guard let identifier = event.firstTagValue(ComputeTag.identifier) else { throw .missingTag(ComputeTag.identifier, in: event.kind) }
        guard event.tags(named: ComputeTag.kind).contains(where: { $0.count >= 2 && $0[1] == String(ComputeKinds.request) }) else {
            throw .invalidTag(ComputeTag.kind, "expected [\"k\", \"5900\"]")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(event.content.utf8)) as? [String: Any],
              let name = object["name"] as? String else {
            throw .invalidTag("content", "expected kind 0-style metadata JSON with a name")
        }
        return ComputeHandlerInfo(identifier: identifier, name: name, about: object["about"] as? String ?? "", expiration: event.expiration)
    }
}
