import Billing
import ComputeAPI
import Foundation
import KubeClient
import Logging
import Metrics
import NostrBridge
import Synchronization

/// Cashu payments for leases: a tenant's token is swapped at its mint into ecash only the
/// provider can spend, stored durably, and only then credited to the lease, once. After a crash
/// at any step, `recover()` finishes the swap and the credit. Runs on the leader only.
public final class CashuPayments: Sendable {
    private struct Cached: Sendable {
        var key: String
        var redeemer: CashuRedeemer
    }

    let client: KubernetesClient
    let billing: BillingController
    let vault: any EcashVault
    let logger: Logger
    private let cache = Mutex<Cached?>(nil)

    /// The provider and its Secret are billing's (`billing.provider`).
    public init(client: KubernetesClient, billing: BillingController, vault: any EcashVault, logger: Logger) {
        self.client = client
        self.billing = billing
        self.vault = vault
        self.logger = logger
    }

    /// Redeems `token` for the lease and credits it. Throws `CashuError` (refused, already spent,
    /// foreign mint, …) or `CashuPaymentError`; a refused token credits nothing and costs nothing.
    @discardableResult
    public func pay(lease name: String, token: String) async throws -> CashuRedemption {
        let lease = try await client.get(ComputeLease.self, name: name)
        guard lease.spec.paymentRail == .cashu else { throw CashuPaymentError.notCashu(name) }
        if lease.metadata.deletionTimestamp != nil || (lease.status?.phase?.isTerminal ?? false) {
            throw CashuPaymentError.ended(name)
        }
        // Each payment is a vault record: a stream of dust tokens must not grow it without bound.
        if try await vault.count(reference: name) >= Self.recordsPerLease {
            throw CashuPaymentError.tooManyPayments(name, limit: Self.recordsPerLease)
        }
        if let escrow = lease.spec.escrow { return try await payEscrowed(lease: lease, escrow: escrow, token: token) }
        let redemption = try await redeemer().redeem(token: token, reference: name)
        try await credit(redemption)
        return redemption
    }

    /// Cashu payments one lease may make (each is a vault Secret); tenants pay a tranche or more at a time.
    public static let recordsPerLease = 64
    /// Uncredited vault records beyond which unclaimed ecash is no longer taken (each is a Secret
    /// an unpaid stranger's real, if tiny, ecash can create).
    public static let unclaimedLimit = 1_000

    /// Vault references of ecash that paid for nothing (see `impound`): recovery leaves them alone.
    public static let unclaimedPrefix = "unclaimed-"

    /// Swaps ecash locked to this provider that cannot be credited (its request was refused, its
    /// lease is unknown or over) into the vault under `unclaimed-<request id>`, uncredited: the
    /// provider holds it for a refund, and the same proofs pasted into another request or nutzap
    /// are refused as already redeemed instead of paying for someone else's lease. Ecash not
    /// locked to us is left alone: its sender can still spend it. Returns whether it was taken.
    @discardableResult
    public func impound(token: String, requestID: String) async -> Bool {
        do {
            let redeemer = try await redeemer()
            guard redeemer.isLockedToUs(token: token), try await vault.countUncredited() < Self.unclaimedLimit else { return false }
            let redemption = try await redeemer.redeem(token: token, reference: Self.unclaimedPrefix + requestID)
            Counter(label: "ncn_cashu_impounded_msats_total").increment(by: Int(clamping: redemption.amountMsats))
            logger.notice("kept ecash locked to this provider that paid for nothing; it can be refunded from the vault",
                          metadata: ["request": "\(requestID)", "msats": "\(redemption.amountMsats)", "redemption": "\(redemption.id)"])
            return true
        } catch {
            logger.info("ecash from a refused request or ended lease was not taken", metadata: ["request": "\(requestID)", "error": "\(error)"])
            return false
        }
    }

    /// Finishes swaps a crash left pending, then credits every redemption not yet credited.
    public func recover() async throws {
        let recovered = try await redeemer().recoverPending()
        if !recovered.isEmpty { logger.notice("recovered interrupted Cashu swaps", metadata: ["count": "\(recovered.count)"]) }
        // Escrow's steps are finished first (a release swap must not be mistaken for a payment
        // below); a failure there leaves plain payments to be credited all the same.
        do { try await recoverEscrow() } catch {
            logger.warning("escrow recovery failed; retrying with the next recovery", metadata: ["error": "\(error)"])
        }
        let releases = try await releaseSwapIDs()
        for redemption in try await vault.uncredited() where !redemption.reference.hasPrefix(Self.unclaimedPrefix) && !releases.contains(redemption.id) {
            do {
                try await credit(redemption)
            } catch let error as KubernetesError where error.isNotFound {
                // The ecash stays in the vault; only the lease it paid for is gone.
                logger.warning("a received Cashu payment's lease no longer exists; the ecash stays in the vault",
                               metadata: ["redemption": "\(redemption.id)", "lease": "\(redemption.reference)"])
            }
        }
    }

    /// Recovers once the caches are synced, then again now and then, so a transient failure
    /// (mint or apiserver down) is retried without a restart.
    public func run() async throws {
        await billing.leases.waitUntilSynced()
        await billing.provider.store.waitUntilSynced()
        while !Task.isCancelled {
            do {
                if billing.provider.current?.spec.payments.cashu != nil {
                    try await recover()
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("Cashu recovery failed; retrying", metadata: ["error": "\(error)"])
            }
            try await Task.sleep(for: .seconds(60))
        }
    }

    /// Credit first, then mark: a crash in between is caught by the ledger's id check on the next try.
    private func credit(_ redemption: CashuRedemption) async throws {
        let credited = try await billing.creditCashu(redemption)
        try await vault.markCredited(id: redemption.id)
        if !credited { logger.debug("Cashu redemption was already credited", metadata: ["redemption": "\(redemption.id)"]) }
    }

    /// The redeemer for the provider's current Cashu settings and key, rebuilt when either changes.
    public func redeemer() async throws -> CashuRedeemer {
        guard let provider = billing.provider.current else { throw CashuPaymentError.noProvider(billing.provider.name) }
        guard let rail = provider.spec.payments.cashu else { throw CashuPaymentError.cashuNotAccepted }
        let reference = provider.spec.secretRef
        let secret = try? await billing.provider.secrets.secret(reference)
        let cacheKey = "\(rail.mints.sorted())|\(rail.unit.rawValue)|\(secret?.metadata.resourceVersion ?? "-")"
        if let cached = cache.withLock({ $0 }), cached.key == cacheKey { return cached.redeemer }
        // Without a configured key the rail is off: a key made up here would change on every
        // restart, and proofs locked to an announced key would become unspendable for us.
        guard let secret, let key = try ProviderContext.cashuLockKey(in: secret, reference) else { throw CashuPaymentError.missingKey(reference) }
        let configuration = try CashuRedeemerConfiguration(allowedMints: rail.mints, unit: rail.unit.rawValue, requireDLEQ: rail.requireDLEQ)
        let redeemer = CashuRedeemer(configuration: configuration, key: key, vault: vault, logger: logger)
        cache.withLock { $0 = Cached(key: cacheKey, redeemer: redeemer) }
        return redeemer
    }
}

/// Why a Cashu payment could not be taken; the message says what to fix.
public struct CashuPaymentError: Error, CustomStringConvertible {
    private enum Code {
        case notCashu(String), ended(String), noProvider(String), cashuNotAccepted, badKey(SecretReference), missingKey(SecretReference)
        case tooManyPayments(String, limit: Int)
        case escrowOff, escrowExposure(String, locked: Int)
    }
    private let code: Code

    static func notCashu(_ lease: String) -> Self { .init(code: .notCashu(lease)) }
    static func ended(_ lease: String) -> Self { .init(code: .ended(lease)) }
    static func noProvider(_ name: String) -> Self { .init(code: .noProvider(name)) }
    static let cashuNotAccepted = Self(code: .cashuNotAccepted)
    static func badKey(_ reference: SecretReference) -> Self { .init(code: .badKey(reference)) }
    static func missingKey(_ reference: SecretReference) -> Self { .init(code: .missingKey(reference)) }
    static func tooManyPayments(_ lease: String, limit: Int) -> Self { .init(code: .tooManyPayments(lease, limit: limit)) }
    static let escrowOff = Self(code: .escrowOff)
    static func escrowExposure(_ lease: String, locked: Int) -> Self { .init(code: .escrowExposure(lease, locked: locked)) }

    /// What the tenant is told: about its lease, or that Cashu is off; never the provider's Secret names.
    public var tenantDescription: String {
        switch code {
        case .notCashu, .ended, .tooManyPayments, .escrowExposure: return description
        case .escrowOff: return "this provider takes no escrowed payments any more; it keeps nothing of this one"
        case .noProvider, .cashuNotAccepted, .badKey, .missingKey: return "this provider cannot take Cashu right now; pay by Lightning"
        }
    }

    public var description: String {
        switch code {
        case let .notCashu(lease): return "lease \(lease) is paid by Lightning, not Cashu"
        case let .ended(lease): return "lease \(lease) has ended; it takes no more payments"
        case let .tooManyPayments(lease, limit):
            return "lease \(lease) has taken \(limit) Cashu payments, the most one lease may; pay by Lightning, or send fewer, larger tokens next time"
        case .escrowOff: return "this provider takes no escrowed payments (spec.payments.cashu.escrow is not set)"
        case let .escrowExposure(lease, locked):
            return "lease \(lease) holds \(locked) escrowed tranches not yet released, the most this provider runs ahead of released money: "
                + "release the tranches already served (kind 7901), then pay again with the same proofs"
        case let .noProvider(name): return "the ComputeProvider '\(name)' does not exist"
        case .cashuNotAccepted: return "this provider accepts no Cashu payments (spec.payments.cashu is not set)"
        case let .missingKey(reference):
            return "the Cashu rail is off: Secret \(reference.namespace)/\(reference.name) has no '\(ComputeProvider.SecretKeys.cashuP2PKKey)' "
                + "(a 64-hex secret key, not the provider's Nostr key); add one to take Cashu"
        case let .badKey(reference):
            return "the '\(ComputeProvider.SecretKeys.cashuP2PKKey)' in Secret \(reference.namespace)/\(reference.name) is not a 64-hex secret key"
        }
    }
}
