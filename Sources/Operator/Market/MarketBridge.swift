import Billing
import ComputeAPI
import Foundation
import KubeClient
import Logging
import NostrBridge
import Synchronization

/// The provider on Nostr: reads compute requests from the provider's relays and answers them
/// with bids, turns a bid into a ComputeLease, tells the tenant about invoices, provisioning,
/// endpoints and the end of its lease, and handles cancellations and nutzaps. Everything it
/// says about a lease is derived from the lease's current state and recorded on the lease, so a
/// restart neither repeats a bid nor loses an announcement. Runs on the leader only.
public final class MarketBridge: Sendable {
    public struct Options: Sendable {
        /// Where tenants' secret env Secrets go (the operator's namespace).
        public var secretNamespace = "ncn-system"
        /// How long a bid stands unpaid (its capacity stays reserved meanwhile).
        public var bidLifetime: TimeInterval = 300
        /// Requests this old are still answered after a (re)start; the same request never gets two bids.
        public var lookback: TimeInterval = 120
        /// Larger requests are dropped unread.
        public var maxEventBytes = 64 * 1024
        /// What serving tenants their containers' logs may cost (draft §5.4).
        public var logLimits = LogLimits()
        /// Requests handled at once; each may wait on the apiserver and a relay, not on the CPU.
        public var intakeParallelism = 16
        /// Requests read but not yet handled; beyond this, new ones are dropped unanswered.
        public var intakeBacklog = 4_096
        /// Leases whose announcements (bid, invoice, running, …) are published at once.
        public var announcers = 8
        public init() {}
    }

    struct Connection: Sendable {
        var pool: RelayPool
        var key: SecretKey
        /// Relays tenants named in their requests (§3.1 `relays`), beyond the provider's own.
        var replies: ReplyRelays
        var outbox: ReplyOutbox
    }

    public let leases: Store<ComputeLease>
    public let provider: ProviderContext
    private let leaseInformer: Informer<ComputeLease>
    let announcements: WorkQueue<String, ContinuousClock>
    let client: KubernetesClient
    let inventory: Inventory?
    let cashu: CashuPayments?
    let options: Options
    let logger: Logger
    let now: @Sendable () -> Date
    let connection = Mutex<Connection?>(nil)
    /// Announcement keys published by this process, per lease: the record the announcer trusts
    /// until the lease's own annotation (written after publishing) reaches the store.
    let announced = Mutex<[String: Set<String>]>([:])
    /// Spam limits: rate buckets, the error budget and bids not yet in the store.
    let gate = Mutex(IntakeGate())
    /// Requests older than this were possibly answered by an earlier process.
    let startedAt: Date
    let earlierAnswers = EarlierAnswers()
    /// What became of recent requests, for the dashboard.
    public let journal = MarketJournal()
    /// What the trusted publishers block (`followBlocklists`).
    let blocklist = Mutex(SharedBlocklist())
    /// Each refused event is counted (`RelayPoolMetrics`); the log says so once every 10 s.
    private let unpublishedLog = Mutex(LogThrottle(interval: .seconds(10)))
    private let offers = Mutex<OfferPublisher<ContinuousClock>?>(nil)

    /// - Parameter wakeUps: the queue billing's `MarketWakeUps` notifier feeds, so a new invoice
    ///   is announced at once (billing is built before the bridge, which needs its Cashu side).
    public init(
        client: KubernetesClient, inventory: Inventory?, cashu: CashuPayments?, wakeUps: MarketWakeUps = MarketWakeUps(),
        options: Options = Options(), now: @escaping @Sendable () -> Date = { Date() }, informers: SharedInformers? = nil,
        provider: ProviderContext? = nil, logger: Logger
    ) {
        let informers = informers ?? SharedInformers(client: client, logger: logger)
        leaseInformer = informers.informer(ComputeLease.self)
        leases = leaseInformer.store
        self.provider = provider ?? ProviderContext(client: client, informers: informers)
        self.client = client
        self.inventory = inventory
        self.cashu = cashu
        self.options = options
        self.now = now
        self.logger = logger
        startedAt = now()
        announcements = wakeUps.queue
    }

    /// Caches complete. Being connected to relays is not part of readiness: a provider whose
    /// Secret is missing still runs its leases, and the log says what to fix.
    public var isSynced: Bool { leases.isSynced && provider.store.isSynced }

    /// The provider's Nostr public key once connected (hex).
    public var publicKey: PublicKey? { connection.withLock { $0?.key.publicKey } }

    /// The offer on the relays now, once one was published.
    public var lastOffer: NostrEvent? { offers.withLock { $0 }?.lastPublished }

    /// The relays' connection states; empty until the market is on Nostr.
    public func relayHealth() -> [RelayHealth] {
        connection.withLock { $0?.pool }.map { Array($0.health().relays.values) } ?? []
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for try await _ in self.provider.informer.updates() {}  // keeps the watch running; read through `provider.current`
            }
            group.addTask { [self] in
                for try await update in leaseInformer.updates() {
                    for key in update.changed { announcements.add(key.name) }
                }
            }
            let (provider, key) = try await waitForIdentity()
            let signer: RelayAuthSigner = { request in
                try EventBuilder(kind: request.kind, content: request.content, tags: request.tags, createdAt: request.createdAt).sign(with: key)
            }
            let pool = try RelayPool(relays: provider.spec.relays, signer: signer, logger: Logger(label: "ncn.market.relays"))
            let replies = ReplyRelays(signer: signer, logger: Logger(label: "ncn.market.reply-relays"))
            defer { replies.closeAll() }
            let outbox = ReplyOutbox()
            defer { outbox.finish() }
            connection.withLock { $0 = Connection(pool: pool, key: key, replies: replies, outbox: outbox) }
            logger.info("on Nostr", metadata: ["pubkey": "\(key.publicKey.hex)", "relays": "\(provider.spec.relays)"])
            group.addTask { try await pool.run() }
            group.addTask { [self] in try await intake(pool: pool, key: key) }
            group.addTask { [self] in await followBlocklists(pool: pool) }
            group.addTask { [self] in await claimUnreleasedEscrow(key: key) }
            let logs = LogServer(client: client, leases: leases, key: key, limits: options.logLimits, now: now,
                                 logger: Logger(label: "ncn.market.logs"), publish: { [self] in await publish($0) })
            group.addTask { await logs.run(pool: pool) }
            group.addTask { [self] in await outbox.run { await self.publish($0.event, requestRelays: $0.relays) } }
            group.addTask { await RelayPoolMetrics.export(pool, logger: Logger(label: "ncn.market.relays")) }
            if let inventory {
                let lockKey = await self.provider.cashuLockPublicKey(of: provider)
                if provider.spec.payments.cashu != nil, lockKey == nil {
                    logger.error("the Cashu rail is off: the provider's Secret has no valid cashu-p2pk-key; Cashu requests are refused and the offer lists Lightning only",
                                 metadata: ["secret": "\(provider.spec.secretRef.namespace)/\(provider.spec.secretRef.name)"])
                }
                let offers = OfferPublisher(
                    provider: { [provider = self.provider] in provider.current }, inventory: inventory,
                    key: key, lockKey: lockKey, bidLifetime: options.bidLifetime, logger: Logger(label: "ncn.market.offer"),
                    publish: { try await pool.publishAccepted($0, timeout: .seconds(10)) })
                self.offers.withLock { $0 = offers }
                group.addTask { await offers.run() }
            }
            await leases.waitUntilSynced()
            for _ in 0..<max(1, options.announcers) { group.addTask { [self] in await announce() } }
            try await group.next()
            group.cancelAll()
        }
    }

    /// The provider and its key; a missing or bad Secret is logged and retried, never fatal.
    private func waitForIdentity() async throws -> (ComputeProvider, SecretKey) {
        var reported: String?
        while true {
            let provider = try await waitForProvider()
            do {
                return (provider, try await self.provider.nostrKey(of: provider))
            } catch {
                let why = "\(error)"
                if why != reported {
                    logger.error("cannot go on Nostr without the provider's key; retrying", metadata: ["error": "\(why)"])
                    reported = why
                }
                try await Task.sleep(for: .seconds(5))
            }
        }
    }

    private func waitForProvider() async throws -> ComputeProvider {
        await provider.store.waitUntilSynced()
        var warned = false
        while true {
            if let current = provider.current { return current }
            if !warned {
                logger.warning("waiting for the ComputeProvider that configures the market", metadata: ["name": "\(provider.name)"])
                warned = true
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// Publishes an answer about a lease to the provider's relays, and in the background to the
    /// relays its request named that the provider's policy accepts; true when one of the
    /// provider's relays accepted it.
    @discardableResult
    func publish(_ event: NostrEvent, for lease: ComputeLease) async -> Bool {
        await publish(event, requestRelays: lease.spec.relays)
    }

    @discardableResult
    func publish(_ event: NostrEvent, requestRelays: [String]) async -> Bool {
        guard let (pool, replies) = connection.withLock({ $0.map { ($0.pool, $0.replies) } }) else { return false }
        if let provider = self.provider.current {
            let extra = ReplyRelayRule.extraRelays(requested: requestRelays, own: pool.relayURLs, settings: provider.spec.replyRelays)
            replies.send(event, to: extra)
        }
        return await publish(event)
    }

    /// Publishes to every relay of the provider's; true when at least one accepted it.
    @discardableResult
    func publish(_ event: NostrEvent) async -> Bool {
        guard let pool = connection.withLock({ $0?.pool }) else { return false }
        let outcomes = await pool.publish(event, timeout: .seconds(10))
        RelayPoolMetrics.countRejections(outcomes)
        let accepted = outcomes.values.contains { $0.isSuccess }
        if !accepted, let held = unpublishedLog.withLock({ $0.admit(at: .now) }) {
            var metadata: Logger.Metadata = ["kind": "\(event.kind)", "outcomes": "\(outcomes)"]
            if held > 0 { metadata["not_logged_since_last"] = "\(held)" }
            logger.warning("no relay accepted an event", metadata: metadata)
        }
        return accepted
    }
}
