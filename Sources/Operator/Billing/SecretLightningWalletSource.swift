import Billing
import ComputeAPI
import Foundation
import KubeClient
import Logging
import Synchronization

/// The provider's Lightning wallet, built from the ComputeProvider's backend and the credentials
/// in its Secret (`ProviderSecrets`), rebuilt only when the Secret's resourceVersion changes. An
/// NWC wallet keeps relay connections and an LNbits wallet its payment push, which `run` hosts.
public final class SecretLightningWalletSource: RunningLightningWalletSource {
    private struct Cached {
        var key: String
        var wallet: any LightningWallet
    }

    private let secrets: ProviderSecrets
    private let cache = Mutex<Cached?>(nil)
    /// What the wallets built by `wallet(for:)` need kept running, handed to `run`.
    private let started: (stream: AsyncStream<any PaymentHintSource>, continuation: AsyncStream<any PaymentHintSource>.Continuation)

    public init(client: KubernetesClient, secrets: ProviderSecrets? = nil) {
        self.secrets = secrets ?? ProviderSecrets(client: client)
        started = AsyncStream.makeStream(of: (any PaymentHintSource).self)
    }

    /// Connects every NWC wallet and LNbits push this source builds and turns what they announce
    /// into `onPaymentHint` calls. An NWC wallet replaced after a Secret rotation keeps its
    /// connections until the operator stops (it may still be answering a request); an LNbits push
    /// is only a listener, and stops when its wallet is replaced.
    public func run(onPaymentHint: @escaping @Sendable () -> Void) async throws {
        await withDiscardingTaskGroup { group in
            var push: Task<Void, Never>?
            defer { push?.cancel() }
            for await source in started.stream {
                let hints = source.notifications()
                // A new source means the wallet was replaced, whatever it is now.
                push?.cancel()
                push = nil
                guard source is LNbitsPaymentFeed else {
                    group.addTask { try? await source.run() }
                    group.addTask { for await _ in hints { onPaymentHint() } }
                    continue
                }
                push = Task {
                    await withDiscardingTaskGroup { pushGroup in
                        pushGroup.addTask { try? await source.run() }
                        pushGroup.addTask { for await _ in hints { onPaymentHint() } }
                    }
                }
            }
        }
    }

    public func wallet(for provider: ComputeProvider) async throws -> (any LightningWallet)? {
        guard let backend = provider.spec.payments.lightning?.backend else { return nil }
        let reference = provider.spec.secretRef
        let secret = try await secrets.secret(reference)
        let key = "\(backend.rawValue)/\(secret.metadata.uid ?? "")/\(secret.metadata.resourceVersion ?? "")"
        if let cached = cache.withLock({ $0 }), cached.key == key { return cached.wallet }
        let (wallet, hints) = try Self.makeWallet(backend, secret: secret, reference: reference)
        cache.withLock { $0 = Cached(key: key, wallet: wallet) }
        started.continuation.yield(hints)
        return wallet
    }

    /// The wallet, and what tells of its payments as they arrive.
    static func makeWallet(_ backend: LightningBackend, secret: Secret, reference: SecretReference) throws
        -> (any LightningWallet, any PaymentHintSource)
    {
        func value(_ key: String) throws -> String {
            guard let bytes = secret.value(key) else { throw WalletSourceError.missingKey(key, reference) }
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw WalletSourceError.missingKey(key, reference) }
            return text
        }
        switch backend {
        case .lnbits:
            let url = try value(ComputeProvider.SecretKeys.lnbitsURL), key = try value(ComputeProvider.SecretKeys.lnbitsInvoiceKey)
            return (LNbitsWallet(baseURL: url, invoiceKey: key), LNbitsPaymentFeed(baseURL: url, invoiceKey: key))
        case .nwc:
            let uri: NWCConnectionURI
            do {
                uri = try NWCConnectionURI(parsing: try value(ComputeProvider.SecretKeys.nwcURI))
            } catch let error as WalletSourceError {
                throw error
            } catch {
                throw WalletSourceError.invalidValue(ComputeProvider.SecretKeys.nwcURI, reference, "\(error)")
            }
            let wallet = try NWCWallet(uri: uri, logger: Logger(label: "ncn.billing.nwc"))
            return (wallet, wallet)
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
