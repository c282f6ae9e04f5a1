import Billing
import ComputeAPI

/// Where billing gets the provider's Lightning wallet from: the ComputeProvider says which backend,
/// its Secret holds the credentials. Asked on every use, so a rotated Secret takes effect without
/// a restart (implementations cache by the Secret's resourceVersion).
public protocol LightningWalletSource: Sendable {
    /// nil when the provider accepts no Lightning payments.
    func wallet(for provider: ComputeProvider) async throws -> (any LightningWallet)?
}

/// A source whose wallets keep connections open (NWC's relays): billing runs it beside itself.
public protocol RunningLightningWalletSource: LightningWalletSource {
    /// Runs until cancelled; calls `onPaymentHint` when a wallet says a payment may have arrived.
    func run(onPaymentHint: @escaping @Sendable () -> Void) async throws
}

/// The same wallet whatever the provider says; for tests and for embedding.
public struct FixedLightningWalletSource: LightningWalletSource {
    let fixed: any LightningWallet

    public init(_ wallet: any LightningWallet) { fixed = wallet }

    public func wallet(for provider: ComputeProvider) async throws -> (any LightningWallet)? { fixed }
}
