extension NWCError {
    /// The same failure in the terms billing uses for every wallet. The NIP-47 detail stays in
    /// the message.
    ///
    /// Everything that may mean "the wallet never saw it or may still act on it" becomes
    /// `unreachable`, which billing must not answer by creating a second invoice at once.
    public var lightningWalletError: LightningWalletError {
        switch self.code {
        case .timeout, .publishFailed, .closed, .noInfoEvent, .rateLimited, .internalError:
            return .unreachable(self.description)
        case .unauthorized, .restricted:
            return .unauthorized(self.description)
        case .invalidResponse, .invalidInvoice:
            return .badResponse(self.description)
        case .invalidConnection:
            return .invalidRequest(self.description)
        default:
            return .rejected(self.description)
        }
    }
}
