import Foundation
import NostrBridge

/// What `LeaseRunner` tells its caller, in order.
public enum LeaseReport: Sendable, Hashable {
    case published(requestID: String, provider: String, relays: [String])
    case progress(LeaseProgress)
}

/// Does the IO of one lease: publishes the request, feeds the provider's answers, payment
/// results, Ctrl-C and timers to a `LeaseMachine`, and carries out what it decides.
public struct LeaseRunner: Sendable {
    public let key: SecretKey
    public let pool: RelayPool
    public let payer: any InvoicePayer
    /// How long to wait for the bid.
    public var bidWait: Duration = .seconds(60)
    /// How long to wait for `terminated cancelled` after the kind 5.
    public var cancelWait: Duration = .seconds(20)
    /// Pays demands on the Cashu rail (`ncn run --pay cashu`); without it they fail and say so.
    public var nutzapper: (any NutzapPayer)?
    /// For a lease paid into escrow: releases each tranche once it was served (draft §7.7).
    public var releaser: EscrowRelease?

    public init(key: SecretKey, pool: RelayPool, payer: any InvoicePayer) {
        self.key = key
        self.pool = pool
        self.payer = payer
    }

    /// Runs the lease to its end. `pool` must be running; `interrupts` yields on Ctrl-C.
    public func run(
        order: LeaseOrder, provider: PublicKey, replyRelays: [String], interrupts: AsyncStream<Void>,
        report: @escaping @Sendable (LeaseReport) -> Void
    ) async throws -> LeaseOutcome {
        let request = try order.requestEvent(key: key, provider: provider, relays: replyRelays)
        let answers = try pool.subscribe([Filter(kinds: [ComputeKinds.result, ComputeKinds.jobFeedback], tags: ["e": [request.id]])])
        let outcomes = await pool.publish(request)
        let accepted = outcomes.filter(\.value.isSuccess).keys.sorted()
        guard !accepted.isEmpty else {
            let why = outcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            throw TenantError(.relay, "no relay took the request (\(why)): check --relay, or try again")
        }
        report(.published(requestID: request.id, provider: provider.hex, relays: accepted))
        var machine = LeaseMachine(provider: provider.hex, budgetMsats: order.maxPriceMsats)
        machine.escrowArbitrator = order.escrowArbitrator
        return await follow(requestID: request.id, answers: answers, machine: machine, interrupts: interrupts, report: report)
    }

    /// Follows a lease already under way (`ncn watch`), from a machine that knows its bid and what
    /// was paid: the relays' stored answers are read again, then new ones, with the same checks
    /// and payments as `run`.
    public func resume(
        requestID: String, machine: LeaseMachine, interrupts: AsyncStream<Void>, report: @escaping @Sendable (LeaseReport) -> Void
    ) async throws -> LeaseOutcome {
        let answers = try pool.subscribe([Filter(kinds: [ComputeKinds.result, ComputeKinds.jobFeedback], tags: ["e": [requestID]])])
        return await follow(requestID: requestID, answers: answers, machine: machine, interrupts: interrupts, report: report)
    }

    private func follow(
        requestID: String, answers: AsyncStream<RelaySubscriptionEvent>, machine: LeaseMachine, interrupts: AsyncStream<Void>,
        report: @escaping @Sendable (LeaseReport) -> Void
    ) async -> LeaseOutcome {
        let (inputs, feed) = AsyncStream.makeStream(of: LeaseMachine.Input.self)
        var machine = machine
        let key = key, pool = pool, payer = payer, bidWait = bidWait, cancelWait = cancelWait, nutzapper = nutzapper, provider = machine.provider
        let releaser = releaser
        // Escrowed tranches paid, in order, with the paid-until each reached once credited.
        var escrowed: [(tranche: Int, paidUntil: Int64?)] = []
        @Sendable func release(_ tranche: Int) async {
            guard let releaser else { return }
            do {
                if try await releaser.release(requestID: requestID, tranche: tranche, provider: provider) != nil {
                    report(.progress(.escrowReleased(tranche: tranche)))
                }
            } catch {
                report(.progress(.providerMessage("tranche \(tranche) was not released yet (\(error)); `ncn release \(requestID) --tranche \(tranche)` does it")))
            }
        }
        return await withTaskGroup(of: Void.self) { group in
            defer { group.cancelAll() }
            group.addTask {
                for await item in answers {
                    if case let .event(event, _) = item, let answer = LeaseAnswer.read(event, key: key) { feed.yield(.answer(answer, now: Date())) }
                }
            }
            group.addTask { for await _ in interrupts { feed.yield(.cancelRequested) } }
            group.addTask {
                try? await Task.sleep(for: bidWait)
                feed.yield(.bidWaitOver(seconds: Int(bidWait.components.seconds)))
            }
            for await input in inputs {
                for action in machine.handle(input) {
                    switch action {
                    case .report(let progress):
                        report(.progress(progress))
                        guard releaser != nil else { break }
                        if case let .paid(tranche, _, _) = progress { escrowed.append((tranche, nil)) }
                        // The credit after a payment says where that tranche reaches: release it
                        // once that time has passed, i.e. once it was served.
                        if case let .credited(paidUntil?) = progress, let index = escrowed.firstIndex(where: { $0.paidUntil == nil }) {
                            escrowed[index].paidUntil = paidUntil
                            let tranche = escrowed[index].tranche
                            group.addTask {
                                let wait = Double(paidUntil) - Date().timeIntervalSince1970 + 1
                                if wait > 0 { try? await Task.sleep(for: .seconds(wait)) }
                                if !Task.isCancelled { await release(tranche) }
                            }
                        }
                    case let .pay(bolt11, msats, tranche):
                        group.addTask {
                            do {
                                _ = try await payer.pay(bolt11)
                                feed.yield(.paid(tranche: tranche, msats: msats))
                            } catch {
                                feed.yield(.paymentFailed(tranche: tranche, reason: "\(error)"))
                            }
                        }
                    case let .payCashu(terms, msats, tranche):
                        group.addTask {
                            do {
                                guard let nutzapper else {
                                    throw TenantError(.payment, "the provider asks to be paid in Cashu, and this lease pays by NWC: run with --pay cashu")
                                }
                                _ = try await nutzapper.pay(terms: terms, msats: msats, tranche: tranche, requestID: requestID, provider: provider)
                                feed.yield(.paid(tranche: tranche, msats: msats))
                            } catch {
                                feed.yield(.paymentFailed(tranche: tranche, reason: "\(error)"))
                            }
                        }
                    case .publishCancellation:
                        group.addTask {
                            if let deletion = try? ComputeCancellation.eventBuilder(requestID: requestID, reason: "cancelled by the tenant (ncn)").sign(with: key) {
                                _ = await pool.publish(deletion)
                            }
                            try? await Task.sleep(for: cancelWait)
                            feed.yield(.cancelWaitOver)
                        }
                    case .finish(let outcome):
                        // A lease that completed was served to its end: release every tranche. One
                        // that ended otherwise: only those whose time has passed; the rest are the
                        // tenant's to dispute or take back (`ncn dispute`, `ncn reclaim`).
                        let completed = if case .ended(.completed, _, _, _, _) = outcome { true } else { false }
                        let now = Int64(Date().timeIntervalSince1970)
                        for item in escrowed where completed || (item.paidUntil.map { $0 <= now } ?? false) { await release(item.tranche) }
                        return outcome
                    }
                }
            }
            return .cancelled(confirmed: false, paidMsats: machine.totalPaidMsats)
        }
    }
}
