import NostrBridge

/// Timing of an `NWCWallet`.
public struct NWCWalletConfiguration: Sendable {
    /// How long a request stays valid: its NIP-40 `expiration` tag, and how long we wait for the
    /// answer, re-sending meanwhile. A wallet must ignore the request afterwards, so giving up
    /// then cannot leave an invoice we never heard of being created later.
    public var requestLifetime: Duration
    /// Pause between re-sends of an unanswered request.
    public var resendInterval: Duration
    /// How long to wait for the relays to return the wallet's info event.
    public var infoTimeout: Duration
    /// How long a fetched info event is trusted before it is read again.
    public var infoMaxAge: Duration
    public var relayPool: RelayPoolConfiguration

    public init(
        requestLifetime: Duration = .seconds(60),
        resendInterval: Duration = .seconds(10),
        infoTimeout: Duration = .seconds(10),
        infoMaxAge: Duration = .seconds(600),
        relayPool: RelayPoolConfiguration = .init()
    ) {
        self.requestLifetime = requestLifetime
        self.resendInterval = resendInterval
        self.infoTimeout = infoTimeout
        self.infoMaxAge = infoMaxAge
        self.relayPool = relayPool
    }
}
