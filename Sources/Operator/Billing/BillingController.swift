import Billing
import ComputeAPI
import Foundation
import KubeClient
import Logging
import Metrics
import Synchronization

/// Streams payments for every lease: issues each tranche's Lightning invoice ahead of
/// `paidUntil`, looks up open invoices until they settle or expire, credits each payment exactly
/// once into the lease's status, and records where payments stand. Ending an unpaid lease is the
/// lease controller's job (it reads the same `paidUntil`), so enforcement holds even if billing
/// is down. Runs until cancelled, on the leader only.
public final class BillingController: PaymentLastLook {
    public struct Options: Sendable {
        /// How often an open invoice is looked up; the wallet's notifications, when it has them, only make it sooner.
        public var pollInterval: Duration = .seconds(5)
        /// Leases billed at once (never one lease twice at once: the queue hands a key to one
        /// worker). Each pass waits on the wallet and the apiserver, not the CPU.
        public var workers = 4
        public var errorPolicy = ErrorPolicy()
        public init() {}
    }

    public let leases: Store<ComputeLease>
    public let provider: ProviderContext
    private let leaseInformer: Informer<ComputeLease>
    public let queue: WorkQueue<String, ContinuousClock>
    let client: KubernetesClient
    let wallets: any LightningWalletSource
    /// Whether the wallet answered billing's last call.
    public let walletReachability = WalletReachability()
    let notifier: any BillingNotifier
    let options: Options
    let now: @Sendable () -> Date
    let logger: Logger

    public init(
        client: KubernetesClient, wallets: any LightningWalletSource, notifier: any BillingNotifier, options: Options = Options(),
        now: @escaping @Sendable () -> Date = { Date() }, informers: SharedInformers? = nil, provider: ProviderContext? = nil, logger: Logger
    ) {
        let informers = informers ?? SharedInformers(client: client, logger: logger)
        leaseInformer = informers.informer(ComputeLease.self)
        leases = leaseInformer.store
        self.provider = provider ?? ProviderContext(client: client, informers: informers)
        self.client = client
        self.wallets = wallets
        self.notifier = notifier
        self.options = options
        self.now = now
        self.logger = logger
        queue = WorkQueue(clock: ContinuousClock(), errorPolicy: options.errorPolicy)
    }

    public var isSynced: Bool { leases.isSynced && provider.store.isSynced }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for try await update in leaseInformer.updates() {
                    for key in update.changed { queue.add(key.name) }
                }
            }
            group.addTask { [self] in
                for try await update in provider.informer.updates() where !update.changed.isEmpty {
                    for key in leases.keys { queue.add(key.name) }
                }
            }
            if let running = wallets as? any RunningLightningWalletSource {
                group.addTask { [self] in try await running.run(onPaymentHint: { self.paymentMayHaveArrived() }) }
            }
            await leases.waitUntilSynced()
            await provider.store.waitUntilSynced()
            for _ in 0..<max(1, options.workers) {
                group.addTask { [self] in await work() }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Look at every lease with an open invoice now: a wallet said a payment arrived.
    public func paymentMayHaveArrived() {
        Counter(label: "ncn_billing_payment_hints_total").increment()
        for lease in leases.all where (lease.status?.ledger?.invoices ?? []).contains(where: { $0.state == .open }) {
            queue.add(lease.metadata.name ?? "")
        }
    }

    private func work() async {
        while let name = await queue.next() {
            guard let lease = leases.get(ObjectKey(name: name)) else {
                queue.finish(name, result: .success(.awaitChange))
                queue.forget(name)
                continue
            }
            do {
                queue.finish(name, result: .success(try await reconcile(lease)))
            } catch where Task.isCancelled {
                queue.finish(name, result: .success(.awaitChange))
                return
            } catch {
                Counter(label: "ncn_billing_errors_total").increment()
                logger.warning("billing failed; retrying with backoff", metadata: ["lease": "\(name)", "error": "\(error)"])
                queue.finish(name, result: .failure(error))
            }
        }
    }

    /// One pass over one lease, from its current state.
    func reconcile(_ lease: ComputeLease) async throws -> Action {
        let name = lease.metadata.name ?? ""
        guard let provider = self.provider.current else { return .requeue(after: .seconds(30)) }
        let lead = provider.spec.billing.invoiceLeadSeconds
        guard let plan = BillingPlanner.plan(lease, invoiceLeadSeconds: lead, pollInterval: options.pollInterval.seconds, now: now()),
              let terms = BillingPlanner.terms(for: lease, invoiceLeadSeconds: lead) else { return .awaitChange }

        var changed = false
        if lease.spec.paymentRail == .lightning, !plan.invoicesToCheck.isEmpty || plan.issueTranche != nil {
            guard let wallet = try await wallet(for: provider) else {
                try await noteState(lease, plan.state, message: "The provider accepts no Lightning payments; this lease cannot be billed.")
                return .requeue(after: .seconds(300))
            }
            for invoice in plan.invoicesToCheck {
                changed = try await settle(invoice, of: name, wallet: wallet, terms: terms) || changed
            }
            // Paying or expiring changes the plan: start over from the new state.
            if changed { return .requeue(after: .zero) }
            if let tranche = plan.issueTranche {
                try await issue(tranche: tranche, of: lease, wallet: wallet, expirySeconds: plan.invoiceExpirySeconds)
                return .requeue(after: .zero)
            }
        }
        try await noteState(lease, plan.state, message: nil)
        return Self.requeue(until: plan.nextCheck, now: now())
    }

    // MARK: Lightning

    /// The provider's wallet, each call's outcome noted for the dashboard.
    private func wallet(for provider: ComputeProvider) async throws -> (any LightningWallet)? {
        try await wallets.wallet(for: provider).map { walletReachability.observing($0, now: now) }
    }

    /// Looks up every open invoice of the lease now, whatever the poll schedule, and credits
    /// those paid. Called by the lease controller right before it ends a lease unpaid.
    public func lastLook(at lease: ComputeLease) async throws -> Bool {
        guard lease.spec.paymentRail == .lightning, let provider = self.provider.current,
              let terms = BillingPlanner.terms(for: lease, invoiceLeadSeconds: provider.spec.billing.invoiceLeadSeconds),
              let wallet = try await wallet(for: provider) else { return false }
        var credited = false
        for invoice in lease.status?.ledger?.invoices ?? [] where invoice.state == .open {
            if case .settled = try await wallet.lookupInvoice(paymentHash: invoice.paymentHash) {
                let credit = LedgerCredit(id: "ln:\(invoice.paymentHash)", rail: .lightning, msats: invoice.amountMsats, at: Timestamp(now()))
                credited = try await self.credit(credit, settlingInvoice: invoice.paymentHash, toLease: lease.metadata.name ?? "", terms: terms)
                    || credited
            }
        }
        if credited { logger.info("a payment found by the last look before ending", metadata: ["lease": "\(lease.metadata.name ?? "")"]) }
        return credited
    }

    private func settle(_ invoice: LedgerInvoice, of name: String, wallet: any LightningWallet, terms: BillingTerms) async throws -> Bool {
        switch try await wallet.lookupInvoice(paymentHash: invoice.paymentHash) {
        case .settled:
            let credit = LedgerCredit(id: "ln:\(invoice.paymentHash)", rail: .lightning, msats: invoice.amountMsats, at: Timestamp(now()))
            return try await self.credit(credit, settlingInvoice: invoice.paymentHash, toLease: name, terms: terms)
        case .expired, .failed:
            return try await expire(invoice, of: name)
        case .pending:
            return invoice.expiresAt.date <= now() ? try await expire(invoice, of: name) : false
        }
    }

    private func expire(_ invoice: LedgerInvoice, of name: String) async throws -> Bool {
        let written = try await updateStatus(of: name) { _, status in LedgerBook.expireInvoice(paymentHash: invoice.paymentHash, in: &status) }
        if let written {
            await EventRecorder(client: client, logger: logger).record(.normal, reason: "InvoiceExpired",
                message: "The invoice for tranche \(invoice.tranche) expired unpaid.", about: LeaseReconciler.reference(written))
        }
        return written != nil
    }

    private func issue(tranche: Int, of lease: ComputeLease, wallet: any LightningWallet, expirySeconds: Int) async throws {
        let name = lease.metadata.name ?? ""
        let request = InvoiceRequest(amountMsats: lease.spec.pricePerIntervalMsats,
                                     memo: "nostr-compute lease \(name), tranche \(tranche + 1)", expirySeconds: expirySeconds)
        let issued = try await wallet.makeInvoice(request)
        // An invoice made but not recorded (a crash or a lost race right here) is never shown to
        // the tenant, so it can never be paid: one tranche is only ever asked for once.
        guard let written = try await updateStatus(of: name, { _, status in
            LedgerBook.recordInvoice(issued, tranche: tranche, in: &status, now: self.now())
        }) else { return }
        Counter(label: "ncn_invoices_issued_total").increment()
        guard let recorded = written.status?.ledger?.invoices?.first(where: { $0.paymentHash == issued.paymentHash }) else { return }
        await EventRecorder(client: client, logger: logger).record(.normal, reason: "InvoiceIssued",
            message: "Invoiced tranche \(tranche + 1): \(issued.amountMsats) msats, payable until \(Timestamp(issued.expiresAt)).",
            about: LeaseReconciler.reference(written))
        await notifier.invoiceIssued(recorded, lease: written)
    }

    // MARK: Crediting

    /// Credits one payment to a lease exactly once; false when it was credited before.
    public func credit(_ credit: LedgerCredit, settlingInvoice paymentHash: String?, toLease name: String, terms: BillingTerms) async throws -> Bool {
        var outcome = LedgerBook.CreditOutcome.alreadyCredited
        let written = try await updateStatus(of: name) { _, status in
            outcome = LedgerBook.credit(id: credit.id, rail: credit.rail, msats: credit.msats, settlingInvoice: paymentHash,
                                        in: &status, terms: terms, now: self.now())
            return outcome != .alreadyCredited
        }
        guard let written, case let .credited(tranches, paidUntil) = outcome else { return false }
        Counter(label: "ncn_payments_credited_total", dimensions: [("rail", credit.rail.rawValue)]).increment()
        Counter(label: "ncn_msats_received_total", dimensions: [("rail", credit.rail.rawValue)]).increment(by: credit.msats)
        let until = paidUntil.map { "; paid until \(Timestamp($0))" } ?? ""
        await EventRecorder(client: client, logger: logger).record(.normal, reason: "PaymentReceived",
            message: "Received \(credit.msats) msats by \(credit.rail.rawValue): \(tranches) tranche(s)\(until).",
            about: LeaseReconciler.reference(written))
        await notifier.paymentCredited(credit, lease: written)
        return true
    }

    /// Credits a Cashu redemption to the lease it names, once (keyed by the proofs' Y values).
    /// False when it was credited before. Throws not-found when the lease is gone.
    public func creditCashu(_ redemption: CashuRedemption) async throws -> Bool {
        let lease = try await client.get(ComputeLease.self, name: redemption.reference)
        let lead = provider.current?.spec.billing.invoiceLeadSeconds ?? ComputeDefaults.invoiceLeadSeconds
        guard let terms = BillingPlanner.terms(for: lease, invoiceLeadSeconds: lead) else { return false }
        let credit = LedgerCredit(id: "cashu:\(redemption.id)", rail: .cashu, msats: redemption.amountMsats, at: Timestamp(now()))
        return try await self.credit(credit, settlingInvoice: nil, toLease: redemption.reference, terms: terms)
    }

    private func noteState(_ lease: ComputeLease, _ state: PaymentState, message: String?) async throws {
        guard lease.status?.ledger?.state != state.ledgerState else { return }
        let written = try await updateStatus(of: lease.metadata.name ?? "") { _, status in LedgerBook.setState(state, in: &status) }
        if let written, state == .grace, let paidUntil = written.status?.paidUntil {
            await EventRecorder(client: client, logger: logger).record(.warning, reason: "PaymentOverdue",
                message: "Paid until \(paidUntil); the lease ends after \(written.spec.graceSeconds) s of grace unless the next tranche is paid.",
                about: LeaseReconciler.reference(written))
        }
        if let message { logger.warning("\(message)", metadata: ["lease": "\(lease.metadata.name ?? "")"]) }
    }

    // MARK: Writes

    /// Billing's part of the status (ledger, paid-until, Paid), each write conditional on the
    /// version `change` decided on (`LeaseStatusWriter.update`). nil when nothing was written.
    func updateStatus(
        of name: String, _ change: (ComputeLease, inout ComputeLeaseStatus) -> Bool
    ) async throws -> ComputeLease? {
        try await LeaseStatusWriter(client: client, owner: .billing).update(name, change)
    }

    static func requeue(until deadline: Date?, now: Date) -> Action {
        guard let deadline else { return .requeue(after: .seconds(300)) }
        let milliseconds = Int64((max(0, deadline.timeIntervalSince(now)) * 1000).rounded(.up)) + 100
        return .requeue(after: min(.milliseconds(milliseconds), .seconds(300)))
    }
}

extension Duration {
    var seconds: TimeInterval {
        let (whole, fraction) = components
        return TimeInterval(whole) + TimeInterval(fraction) / 1e18
    }
}
