extension NostrEvent {
    /// The NIP-40 `["expiration", <unix seconds>]` value. A tag whose value is not a plain decimal
    /// integer is ignored rather than treated as "already expired", so garbage cannot make a
    /// relay or client drop an event it would otherwise keep.
    public var expiration: Int64? {
        guard let value = firstTagValue("expiration"), !value.isEmpty,
              value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int64(value)
    }

    /// Whether the event has expired at `now`: from the expiration second onward.
    public func isExpired(at now: Int64 = NostrEvent.currentTimestamp()) -> Bool {
        guard let expiration else { return false }
        return now >= expiration
    }
}
