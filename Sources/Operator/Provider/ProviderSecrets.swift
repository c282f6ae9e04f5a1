import ComputeAPI
import KubeClient
import Logging
import Synchronization

/// The provider's Secret (its Nostr key, the Cashu lock key, the wallet's credentials), for the
/// market, billing and Cashu alike: one watch of that one Secret, so a key is read from memory,
/// and a rotated Secret reaches every reader with its new resourceVersion.
///
/// `run()` hosts the watch of the Secret last asked for (the ComputeProvider names it and may
/// name another). Until that watch holds a complete list, and without `run()` at all, a read is
/// a plain GET, so nothing ever waits on the watch.
public final class ProviderSecrets: Sendable {
    private let client: KubernetesClient
    private let informers: SharedInformers
    private let logger: Logger
    /// The Secret last asked for, and a wake-up for `run()` when that changes.
    private let wanted = Mutex<SecretReference?>(nil)
    private let wantedChanged = ChangeSignal()

    public init(client: KubernetesClient, informers: SharedInformers? = nil, logger: Logger = Logger(label: "ncn.provider-secret")) {
        self.client = client
        self.informers = informers ?? SharedInformers(client: client, logger: logger)
        self.logger = logger
    }

    /// The Secret `reference` names; `WalletSourceError.missingSecret` when there is none.
    public func secret(_ reference: SecretReference) async throws -> Secret {
        let changed = wanted.withLock { last -> Bool in
            defer { last = reference }
            return last != reference
        }
        if changed { wantedChanged.signal() }
        let informer = informer(for: reference)
        if informer.store.isSynced, informer.isWatching {
            guard let secret = informer.store.get(ObjectKey(namespace: reference.namespace, name: reference.name)) else {
                throw WalletSourceError.missingSecret(reference)
            }
            return secret
        }
        do {
            return try await client.get(Secret.self, name: reference.name, namespace: reference.namespace)
        } catch let error as KubernetesError where error.isNotFound {
            throw WalletSourceError.missingSecret(reference)
        }
    }

    /// Watches the Secret last asked for, and only that one, until cancelled.
    public func run() async {
        var watching: (reference: SecretReference, task: Task<Void, Never>)?
        defer { watching?.task.cancel() }
        while !Task.isCancelled {
            if let reference = wanted.withLock({ $0 }), reference != watching?.reference {
                watching?.task.cancel()
                let informer = informer(for: reference)
                let logger = self.logger
                // A task of its own, so that a new reference can stop it; cancelled with run().
                watching = (reference, Task {
                    do {
                        for try await _ in informer.updates() {}
                    } catch {
                        logger.warning("watching the provider's Secret failed; reading it by name instead",
                                       metadata: ["secret": "\(reference.namespace)/\(reference.name)", "error": "\(error)"])
                    }
                })
            }
            await wantedChanged.wait(timeout: nil)
        }
    }

    private func informer(for reference: SecretReference) -> Informer<Secret> {
        informers.informer(Secret.self, options: .init(namespace: reference.namespace, fieldSelector: "metadata.name=\(reference.name)"))
    }
}
