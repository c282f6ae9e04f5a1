import Billing
import Foundation
import Synchronization

/// Whether the provider's Lightning wallet answered the last time billing asked it something.
/// Passive: it never calls the wallet itself, so a dashboard open all day costs the wallet nothing.
public final class WalletReachability: Sendable {
    public enum State: String, Sendable, Codable {
        /// Billing has not needed the wallet since the operator started.
        case unused
        case reachable
        /// The last call could not reach it, or it refused the provider's credential.
        case unreachable
    }

    public struct Observation: Sendable, Equatable {
        public var state: State
        public var at: Date?
        /// The wallet's error, when unreachable. Wallet errors name the wallet's URL, never its key.
        public var detail: String?
    }

    private let last = Mutex(Observation(state: .unused, at: nil, detail: nil))

    public init() {}

    public var current: Observation { last.withLock { $0 } }

    func succeeded(at date: Date) { last.withLock { $0 = Observation(state: .reachable, at: date, detail: nil) } }
    func failed(_ error: any Error, at date: Date) {
        last.withLock { $0 = Observation(state: .unreachable, at: date, detail: "\(error)") }
    }

    /// The wallet, with every call's outcome noted here.
    func observing(_ wallet: any LightningWallet, now: @escaping @Sendable () -> Date) -> any LightningWallet {
        ObservedLightningWallet(wallet: wallet, reachability: self, now: now)
    }
}

private struct ObservedLightningWallet: LightningWallet {
    let wallet: any LightningWallet
    let reachability: WalletReachability
    let now: @Sendable () -> Date

    func makeInvoice(_ request: InvoiceRequest) async throws -> IssuedInvoice {
        try await observe { try await wallet.makeInvoice(request) }
    }

    func lookupInvoice(paymentHash: String) async throws -> InvoiceSettlement {
        try await observe { try await wallet.lookupInvoice(paymentHash: paymentHash) }
    }

    private func observe<T>(_ call: () async throws -> T) async throws -> T {
        do {
            let value = try await call()
            reachability.succeeded(at: now())
            return value
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as LightningWalletError where !error.isTransient && !error.isUnauthorized {
            reachability.succeeded(at: now())  // it answered: an unknown invoice or a refusal is not an outage
            throw error
        } catch {
            reachability.failed(error, at: now())
            throw error
        }
    }
}
