import Billing
import ComputeAPI
import Foundation
import KubeClient
import Logging
import Synchronization

/// The provider's Lightning wallet, built from the ComputeProvider's backend and the credentials
/// in its Secret (`ProviderSecrets`), rebuilt only when the Secret's resourceVersion changes. An NWC wallet keeps
/// relay connections, which `run` hosts.
public final class SecretLightningWalletSource: RunningLightningWalletSource {
    private struct Cached {
        var key: String
        var wallet: any LightningWallet
    }

    private let secrets: ProviderSecrets
    private let cache = Mutex<Cached?>(nil)
    /// NWC wallets built by `wallet(for:)`, handed to `run` to be connected.
    private let started: (stream: AsyncStream<NWCWallet>, continuation: AsyncStream<NWCWallet>.Continuation)

    public init(client: KubernetesClient, secrets: ProviderSecrets? = nil) {
        self.secrets = secrets ?? ProviderSecrets(client: client)
        started = AsyncStream.makeStream(of: NWCWallet.self)
    }

    /// Connects every NWC wallet this source builds and turns its `payment_received`
    /// notifications into `onPaymentHint` calls. A wallet replaced after a Secret rotation keeps
    /// its connections until the operator stops: it may still be answering a request.
    public func run(onPaymentHint: @escaping @Sendable () -> Void) async throws {
        await withDiscardingTaskGroup { group in
            for await wallet in started.stream {
                group.addTask { try? await wallet.run() }
                group.addTask { for await _ in wallet.notifications() { onPaymentHint() } }
            }
        }
    }

    public func wallet(for provider: ComputeProvider) async throws -> (any LightningWallet)? {
        guard let backend = provider.spec.payments.lightning?.backend else { return nil }
        let reference = provider.spec.secretRef
        let secret = try await secrets.secret(reference)
        let key = "\(backend.rawValue)/\(secret.metadata.uid ?? "")/\(secret.metadata.resourceVersion ?? "")"
        if let cached = cache.withLock({ $0 }), cached.key == key { return cached.wallet }
        let wallet = try Self.makeWallet(backend, secret: secret, reference: reference)
        cache.withLock { $0 = Cached(key: key, wallet: wallet) }
        if let nwc = wallet as? NWCWallet { started.continuation.yield(nwc) }
        return wallet
    }

    static func makeWallet(_ backend: LightningBackend, secret: Secret, reference: SecretReference) throws -> any LightningWallet {
        func value(_ key: String) throws -> String {
            guard let bytes = secret.value(key) else { throw WalletSourceError.missingKey(key, reference) }
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw WalletSourceError.missingKey(key, reference) }
            return text
        }
        switch backend {
        case .lnbits:
            return LNbitsWallet(baseURL: try value(ComputeProvider.SecretKeys.lnbitsURL),
                                invoiceKey: try value(ComputeProvider.SecretKeys.lnbitsInvoiceKey))
        case .nwc:
            let uri: NWCConnectionURI
            do {
                uri = try NWCConnectionURI(parsing: try value(ComputeProvider.SecretKeys.nwcURI))
            } catch let error as WalletSourceError {
                throw error
            } catch {
                throw WalletSourceError.invalidValue(ComputeProvider.SecretKeys.nwcURI, reference, "\(error)")
            }
            return try NWCWallet(uri: uri, logger: Logger(label: "ncn.billing.nwc"))
        }
    }
}

/// Why the provider's wallet could not be set up; the message names what to fix.
public struct WalletSourceError: Error, CustomStringConvertible {
    private enum Code {
        case missingSecret(SecretReference)
        case missingKey(String, SecretReference)
        case invalidValue(String, SecretReference, String)
    }
    private let code: Code

    static func missingSecret(_ reference: SecretReference) -> Self { .init(code: .missingSecret(reference)) }
    static func missingKey(_ key: String, _ reference: SecretReference) -> Self { .init(code: .missingKey(key, reference)) }
    static func invalidValue(_ key: String, _ reference: SecretReference, _ why: String) -> Self { .init(code: .invalidValue(key, reference, why)) }

    public var description: String {
        switch code {
        case let .missingSecret(reference):
            return "the provider's Secret \(reference.namespace)/\(reference.name) does not exist; create it (see manifests/templates/)"
        case let .missingKey(key, reference):
            return "the provider's Secret \(reference.namespace)/\(reference.name) has no '\(key)' (or it is empty)"
        case let .invalidValue(key, reference, why):
            return "the '\(key)' in the provider's Secret \(reference.namespace)/\(reference.name) is not usable: \(why)"
        }
    }
}
