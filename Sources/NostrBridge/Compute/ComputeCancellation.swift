/// A tenant cancels a lease by deleting its request (NIP-09 kind 5 with `["e", request id]`).
public enum ComputeCancellation {
    /// The request ids a deletion names. A deletion only counts for requests by the same author:
    /// the caller must check `event.pubkey` against the request's tenant.
    public static func requestIDs(in event: NostrEvent) -> [String] {
        guard event.kind == ComputeKinds.deletion else { return [] }
        return event.referencedEventIDs.filter(ComputeTagValues.isLowerHex64)
    }

    /// The unsigned deletion a tenant publishes to cancel `requestID`.
    public static func eventBuilder(requestID: String, reason: String = "") -> EventBuilder {
        EventBuilder(kind: ComputeKinds.deletion, content: reason, tags: [[ComputeTag.event, requestID], [ComputeTag.kind, String(ComputeKinds.request)]])
    }
}
