import ComputeAPI
import Foundation
import KubeClient
import NostrBridge

/// The ComputeProvider this operator serves (`--provider`) and the keys its Secret holds, as
/// every controller reads them. The name is given once; the provider comes from the shared
/// informer that watches it by that name, and the Secret from `ProviderSecrets`, so a change to
/// either reaches the lease controller, billing and the market with the same resourceVersion.
public struct ProviderContext: Sendable {
    public let name: String
    public let informer: Informer<ComputeProvider>
    public let secrets: ProviderSecrets

    public init(name: String = ComputeProvider.defaultName, client: KubernetesClient, informers: SharedInformers, secrets: ProviderSecrets? = nil) {
        self.name = name
        informer = informers.informer(ComputeProvider.self, options: .init(fieldSelector: "metadata.name=\(name)"))
        self.secrets = secrets ?? ProviderSecrets(client: client, informers: informers)
    }

    public var store: Store<ComputeProvider> { informer.store }

    /// The provider as last watched: nil before the first list, and while it does not exist.
    public var current: ComputeProvider? { store.get(ObjectKey(name: name)) }

    /// The provider's Nostr key: an `nsec1…` or 64 hex digits under `nsec`.
    public func nostrKey(of provider: ComputeProvider) async throws -> SecretKey {
        let reference = provider.spec.secretRef
        guard let text = Self.text(ComputeProvider.SecretKeys.nsec, in: try await secrets.secret(reference)) else {
            throw WalletSourceError.missingKey(ComputeProvider.SecretKeys.nsec, reference)
        }
        do {
            return text.hasPrefix("nsec1") ? try NIP19.decodeNsec(text) : try SecretKey(hex: text)
        } catch {
            throw WalletSourceError.invalidValue(ComputeProvider.SecretKeys.nsec, reference, "not an nsec1… or 64-hex secret key")
        }
    }

    /// The key tenants lock Cashu to, from `secret` (the provider's): nil when the Secret has none.
    /// The market announces its public half and the Cashu redeemer signs with it, so both read it here.
    static func cashuLockKey(in secret: Secret, _ reference: SecretReference) throws -> SecretKey? {
        guard let text = text(ComputeProvider.SecretKeys.cashuP2PKKey, in: secret) else { return nil }
        do { return try SecretKey(hex: text) } catch { throw CashuPaymentError.badKey(reference) }
    }

    /// The compressed public key tenants lock Cashu to; nil when the Secret has no valid one.
    func cashuLockPublicKey(of provider: ComputeProvider) async -> String? {
        let reference = provider.spec.secretRef
        guard let secret = try? await secrets.secret(reference), let key = try? Self.cashuLockKey(in: secret, reference) else { return nil }
        return "02" + key.publicKey.hex
    }

    /// A value of the Secret as trimmed text; nil when absent or blank.
    private static func text(_ key: String, in secret: Secret) -> String? {
        guard let bytes = secret.value(key) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
