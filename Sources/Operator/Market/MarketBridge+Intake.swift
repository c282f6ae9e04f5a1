import Billing
import ComputeAPI
import Foundation
import KubeClient
import Metrics
import NostrBridge
import Synchronization

extension MarketBridge {
    /// What intake does with one event, keyed by the request it concerns.
    enum IntakeWork: Sendable {
        case request(NostrEvent, relay: String)
        case cancellation(NostrEvent, requestID: String)
        case nutzap(NostrEvent)
        case escrowSignatures(NostrEvent)
    }

    /// Reads requests, cancellations and nutzaps until cancelled, and handles them concurrently
    /// (see `IntakeScheduler`): at most `intakeParallelism` at once, in order per request.
    func intake(pool: RelayPool, key: SecretKey) async throws {
        let since = Int64(now().addingTimeInterval(-options.lookback).timeIntervalSince1970)
        // A request is judged against the leases that exist (one request, one bid) and the
        // capacity that is free; before the first complete lists, both look empty, and a
        // request arriving then was refused `no-capacity` (seen in CI).
        await leases.waitUntilSynced()
        await inventory?.waitUntilSynced()
        let stream = try pool.subscribe([
            Filter(kinds: [ComputeKinds.request], since: since),
            Filter(kinds: [ComputeKinds.deletion], tags: ["k": [String(ComputeKinds.request)]], since: since),
            Filter(kinds: [ComputeKinds.nutzap], tags: ["p": [key.publicKey.hex]], since: since),
            Filter(kinds: [ComputeKinds.escrowSignatures], tags: ["p": [key.publicKey.hex]], since: since),
        ])
        let scheduler = IntakeWorkers(parallelism: max(1, options.intakeParallelism), capacity: max(0, options.intakeBacklog))
        await withDiscardingTaskGroup { group in
            for await item in stream {
                guard case let .event(event, relay) = item else { continue }
                if event.isExpired(at: Int64(now().timeIntervalSince1970)) { continue }
                if event.jsonString().utf8.count > options.maxEventBytes { continue }
                for (requestID, work) in Self.intakeWork(for: event, relay: relay) {
                    switch scheduler.state.withLock({ $0.submit(work, key: requestID) }) {
                    case let .start(entry):
                        group.addTask { [self] in await runIntake(from: entry, scheduler: scheduler, key: key) }
                    case .queued:
                        break
                    case .dropped:
                        Counter(label: "ncn_intake_dropped_total").increment()
                    }
                }
            }
        }
    }

    /// The pieces of work in an event, each with the request it concerns.
    static func intakeWork(for event: NostrEvent, relay: String) -> [(String, IntakeWork)] {
        switch event.kind {
        case ComputeKinds.request: return [(event.id, .request(event, relay: relay))]
        case ComputeKinds.deletion: return ComputeCancellation.requestIDs(in: event).map { ($0, .cancellation(event, requestID: $0)) }
        case ComputeKinds.nutzap: return [(ComputeNutzap(event: event)?.requestID ?? event.id, .nutzap(event))]
        case ComputeKinds.escrowSignatures: return [(event.firstTagValue(ComputeTag.event) ?? event.id, .escrowSignatures(event))]
        default: return []
        }
    }

    /// The scheduler, shared by the intake loop and its workers.
    final class IntakeWorkers: Sendable {
        let state: Mutex<IntakeScheduler<IntakeWork>>
        init(parallelism: Int, capacity: Int) { state = Mutex(IntakeScheduler(parallelism: parallelism, capacity: capacity)) }
    }

    /// One worker: runs `entry`, then whatever the scheduler hands it next, until there is nothing.
    private func runIntake(from entry: IntakeScheduler<IntakeWork>.Entry, scheduler: IntakeWorkers, key: SecretKey) async {
        var next: IntakeScheduler<IntakeWork>.Entry? = entry
        while let current = next {
            switch current.work {
            case let .request(event, relay): await handleRequest(event, relay: relay, key: key)
            case let .cancellation(event, requestID): await handleCancellation(event, requestID: requestID)
            case let .nutzap(event): await handleNutzap(event, key: key)
            case let .escrowSignatures(event): await handleEscrowSignatures(event, key: key)
            }
            next = scheduler.state.withLock { $0.finish(key: current.key) }
        }
    }

    // MARK: Requests

    func handleRequest(_ event: NostrEvent, relay: String, key: SecretKey) async {
        let name = ComputeLease.name(forRequestEventId: event.id)
        // Idempotent: a request that already has a lease got its bid (the announcer re-sends it if
        // needed); one this process bid on may not have reached the store yet.
        if leases.get(ObjectKey(name: name)) != nil || gate.withLock({ $0.holdsBid(event.id) }) { return }
        // A request for other providers is not ours to read, count or correct.
        let addressed = event.referencedPubkeys
        guard addressed.isEmpty || addressed.contains(key.publicKey.hex) else { return }
        guard let provider = self.provider.current else { return }
        let settings = provider.spec.intake
        if case let .ignore(why) = gate.withLock({ $0.screen(event, settings: settings, now: now()) }) {
            Counter(label: "ncn_requests_ignored_total").increment()
            logger.debug("request ignored", metadata: ["request": "\(event.id)", "why": "\(why)"])
            journal.record(.init(at: now(), request: event.id, tenant: event.pubkey, outcome: .ignored, reason: "\(why)"))
            return
        }
        let request: ComputeRequest
        do {
            guard case let .request(parsed) = try ComputeRequest.parse(event, key: key) else { return }
            request = parsed
        } catch {
            await reply(.error(Self.context(of: event, relay: relay), message: "\(error)", code: .invalidRequest), key: key)
            return
        }
        // A request from before this process started may have been answered and its lease ended
        // since: the relays remember our answer even though the cluster has forgotten the lease.
        if Double(event.createdAt) < startedAt.timeIntervalSince1970, await alreadyAnswered(event.id, key: key) {
            return
        }
        let verdict = RequestEvaluator.evaluate(request, provider: provider, providerPubkey: key.publicKey.hex, relayHint: relay,
                                                bidLifetime: options.bidLifetime, secretNamespace: options.secretNamespace, now: now(),
                                                blocklist: blocklist.withLock { $0 })
        let context = request.replyContext(relayHint: relay)
        switch verdict {
        case .ignore:
            journal.record(.init(at: now(), request: request.id, tenant: request.tenant, outcome: .ignored, reason: "not for this provider"))
            return
        case let .reject(message, code):
            logger.info("request refused", metadata: ["request": "\(request.id)", "why": "\(message)"])
            await reply(.error(context, message: message, code: code), key: key, relays: request.relays)
            await impoundCashu(of: request)
        case let .bid(draft):
            // Decided and held in one step under the gate's lock: requests are handled concurrently,
            // and two must not both take the last slot.
            let stored = storedUnpaidBids(at: now())
            let slot = IntakeGate.UnpaidBid(requestID: request.id, tenant: request.tenant,
                                            proofOfWork: ProofOfWork.leadingZeroBits(hex: request.id) ?? 0, createdAt: now())
            switch gate.withLock({ $0.admitAndHold(slot, stored: stored.bids, known: stored.known, settings: settings, now: now(),
                                                   bidLifetime: options.bidLifetime) }) {
            case .admit, .ignore: break
            case let .refuse(message, code):
                logger.info("request refused", metadata: ["request": "\(request.id)", "why": "\(message)"])
                await reply(.error(context, message: message, code: code), key: key, relays: request.relays)
                await impoundCashu(of: request)
                return
            case let .admitReplacing(weaker):
                await withdraw(bidFor: weaker)
            }
            // A Cashu lease needs a lock key the provider keeps; without one the rail is off.
            if draft.lease.spec.paymentRail == .cashu, let cashu {
                do { _ = try await cashu.redeemer() } catch {
                    gate.withLock { $0.releaseBid(request.id) }
                    await reply(.error(context, message: "this provider cannot take Cashu right now; pay by Lightning", code: .policy), key: key,
                                relays: request.relays)
                    return
                }
            }
            await bid(draft, request: request, context: context, key: key)
        }
    }

    private func bid(_ draft: LeaseDraft, request: ComputeRequest, context: ComputeReplyContext, key: SecretKey) async {
        if let inventory {
            let demand: ResourceDemand
            do { demand = try ResourceDemand(draft.lease.spec.resources) } catch {
                gate.withLock { $0.releaseBid(request.id) }
                await reply(.error(context, message: "\(error)", code: .invalidRequest), key: key)
                return
            }
            if inventory.reserve(id: request.id, demand: demand, until: draft.bidExpiresAt) == nil {
                // Capacity held by unpaid bids is not held hostage: a request with more proof of
                // work than they carry takes their place, weakest first (as for bid slots).
                let work = ProofOfWork.leadingZeroBits(hex: request.id) ?? 0
                let weaker = unpaidBids().filter { $0.proofOfWork < work && $0.requestID != request.id }
                    .sorted { ($0.proofOfWork, $0.createdAt) < ($1.proofOfWork, $1.createdAt) }.map(\.requestID)
                let displaced = weaker.isEmpty ? nil : inventory.displacement(for: demand, releasing: weaker)
                if let displaced, !displaced.isEmpty {
                    for id in displaced { await withdraw(bidFor: id) }
                    Counter(label: "ncn_bids_displaced_total").increment(by: displaced.count)
                    logger.info("unpaid bids withdrawn for a request with more proof of work",
                                metadata: ["request": "\(request.id)", "withdrawn": "\(displaced.count)"])
                }
                guard displaced != nil, inventory.reserve(id: request.id, demand: demand, until: draft.bidExpiresAt) != nil else {
                    gate.withLock { $0.releaseBid(request.id) }
                    logger.notice("request refused: no capacity", metadata: [
                        "request": "\(request.id)", "nodes": "\(inventory.current.shortfall(for: demand))",
                        "unpaidBids": "\(unpaidBids().count)",
                    ])
                    await reply(.error(context, message: "no node has \(Self.describe(draft.lease.spec.resources)) free right now; try again "
                        + "later, or with more NIP-13 proof of work than the unpaid bids holding it", code: .noCapacity), key: key, relays: request.relays)
                    await impoundCashu(of: request)
                    return
                }
            }
        }
        let created: ComputeLease
        do {
            created = try await client.create(draft.lease)
        } catch let error as KubernetesError where error.isAlreadyExists {
            return  // another pass got here first: one request, one lease, one bid
        } catch {
            logger.error("cannot create the lease for a bid", metadata: ["request": "\(request.id)", "error": "\(error)"])
            gate.withLock { $0.releaseBid(request.id) }
            inventory?.release(reservation: request.id)
            return
        }
        if !draft.secretEnv.isEmpty { await storeSecretEnv(draft.secretEnv, for: created) }
        // The announcer publishes the bid, from the lease: one path, whether now or after a crash.
        announcements.add(created.metadata.name ?? "")
        logger.info("bid", metadata: ["lease": "\(created.metadata.name ?? "")", "msatsPerInterval": "\(draft.quote.totalMsats)"])
        journal.record(.init(at: now(), request: request.id, tenant: request.tenant, outcome: .bid, lease: created.metadata.name))
        // Cashu paid ahead inside the request.
        for token in request.cashuTokens {
            await payCashu(token: token, lease: created.metadata.name ?? "", context: context, key: key)
        }
    }

    /// The tenant's private env, kept in a Secret owned by the lease (deleted with it).
    private func storeSecretEnv(_ values: [String: String], for lease: ComputeLease) async {
        guard let reference = lease.spec.envSecretRef else { return }
        var secret = Secret(metadata: ObjectMeta(name: reference.name, namespace: reference.namespace))
        secret.metadata.ownerReferences = [OwnerReference(apiVersion: ComputeLease.descriptor.apiVersion, kind: "ComputeLease",
                                                          name: lease.metadata.name ?? "", uid: lease.metadata.uid ?? "")]
        secret.data = values.mapValues { Data($0.utf8).base64EncodedString() }
        do { _ = try await client.create(secret) } catch {
            logger.error("cannot store the tenant's secret env", metadata: ["lease": "\(lease.metadata.name ?? "")", "error": "\(error)"])
        }
    }

    // MARK: Cancellations and nutzaps

    /// `event`'s cancellation of `requestID`, one of the requests it names.
    func handleCancellation(_ event: NostrEvent, requestID: String) async {
        let name = ComputeLease.name(forRequestEventId: requestID)
        // Only the request's author may cancel it (NIP-09).
        guard let lease = leases.get(ObjectKey(name: name)), lease.spec.requestEventId == requestID,
              lease.spec.tenantPubkey == event.pubkey, !(lease.status?.phase?.isTerminal ?? false) else { return }
        do {
            // A request the reconciler acts on: it alone writes the phase and ends the lease.
            try await LeaseStatusWriter(client: client, owner: .market).write(lease, conditional: false) { status in
                var conditions = status.conditions ?? []
                conditions.set(Condition(type: .cancelRequested, status: .true, reason: TerminationReason.tenantCancelled.rawValue,
                                         message: "The tenant cancelled the request.", lastTransitionTime: Timestamp(now())))
                status.conditions = conditions
            }
            logger.info("cancelled by the tenant", metadata: ["lease": "\(name)"])
        } catch {
            logger.warning("cannot cancel a lease", metadata: ["lease": "\(name)", "error": "\(error)"])
        }
    }

    func handleNutzap(_ event: NostrEvent, key: SecretKey) async {
        guard let nutzap = ComputeNutzap(event: event), nutzap.recipient == key.publicKey.hex else { return }
        guard let token = try? CashuToken(nutzapMint: nutzap.mint, unit: nutzap.unit, proofs: nutzap.proofs).encodedV3() else { return }
        let name = ComputeLease.name(forRequestEventId: nutzap.requestID)
        guard let lease = leases.get(ObjectKey(name: name)), lease.spec.requestEventId == nutzap.requestID,
              lease.metadata.deletionTimestamp == nil, !(lease.status?.phase?.isTerminal ?? false)
        else {
            // A nutzap is public: its proofs, locked to us, must not stay free for anyone to copy
            // into a nutzap of their own.
            let kept = await cashu?.impound(token: token, requestID: nutzap.requestID) ?? false
            if kept, let ended = leases.get(ObjectKey(name: name)), ended.spec.requestEventId == nutzap.requestID {
                await reply(.error(MarketAnnotations.replyContext(for: ended), message: "your Cashu payment was not accepted: its lease has "
                    + "ended; the provider keeps the ecash under request \(nutzap.requestID) for a refund", code: .payment), key: key)
            }
            return
        }
        await payCashu(token: token, lease: name, context: MarketAnnotations.replyContext(for: lease), key: key)
    }

    /// A tenant's release or the arbitrator's decision for us (draft §7.7): only from the lease's
    /// tenant or the arbitrator it names, and only signatures the locks accept are used.
    func handleEscrowSignatures(_ event: NostrEvent, key: SecretKey) async {
        guard let cashu, let read = try? ComputeEscrowSignatures.parse(event, key: key), read.recipient == key.publicKey.hex,
              !read.signatures.isEmpty else { return }
        // From the held proofs, not the lease: a tranche is released after it was served, when
        // the lease may have ended and be gone.
        // One read, by the id the signed proofs' Ys give: a stranger's 7901 costs a GET at most.
        let name = ComputeLease.name(forRequestEventId: read.requestID)
        guard let id = EcashEscrowHold.holdID(ys: Array(read.signatures.keys)), let record = try? await cashu.vault.record(id: id),
              record.state == .escrowed, record.reference == name, let hold = record.escrow else { return }
        switch read.purpose {
        case .release: guard event.pubkey == hold.tenant else { return }
        case .decision: guard event.pubkey == hold.arbitrator else { return }
        }
        do {
            let msats = try await cashu.release(lease: name, signatures: CashuEscrowSignatures(byY: read.signatures))
            logger.info("escrow signatures", metadata: ["lease": "\(name)", "purpose": "\(read.purpose.rawValue)", "released_msats": "\(msats)"])
        } catch {
            logger.warning("escrowed ecash could not be released yet; the next release or recovery tries again",
                           metadata: ["lease": "\(name)", "error": "\(error)"])
        }
    }

    /// Takes the request's Cashu locked to this provider into the vault when the request gets no
    /// lease (see `CashuPayments.impound`).
    private func impoundCashu(of request: ComputeRequest) async {
        guard let cashu else { return }
        for token in request.cashuTokens { await cashu.impound(token: token, requestID: request.id) }
    }

    private func payCashu(token: String, lease: String, context: ComputeReplyContext, key: SecretKey) async {
        guard let cashu else {
            await reply(.error(context, message: "this provider accepts no Cashu", code: .payment), key: key)
            return
        }
        do {
            let redemption = try await cashu.pay(lease: lease, token: token)
            logger.info("Cashu payment", metadata: ["lease": "\(lease)", "msats": "\(redemption.amountMsats)"])
        } catch let error as CashuError where error.isOutcomeUnknown {
            logger.warning("Cashu payment outcome unknown; recovery will finish it", metadata: ["lease": "\(lease)", "error": "\(error)"])
        } catch let error as CashuError {
            logger.info("Cashu payment refused", metadata: ["lease": "\(lease)", "error": "\(error)"])
            await reply(.error(context, message: "your Cashu payment was not accepted: \(error.tenantDescription)", code: .payment), key: key)
        } catch let error as CashuPaymentError {
            logger.info("Cashu payment refused", metadata: ["lease": "\(lease)", "error": "\(error)"])
            await reply(.error(context, message: "your Cashu payment was not accepted: \(error.tenantDescription)", code: .payment), key: key)
        } catch let error as KubernetesError where error.isNotFound {
            await reply(.error(context, message: "your Cashu payment was not accepted: its lease has ended", code: .payment), key: key)
        } catch {
            // Redeemed but not yet credited (the apiserver refused the write): the vault holds it and
            // billing's recovery credits it. The tenant is not told of our storage's troubles.
            logger.error("a redeemed Cashu payment could not be credited yet; recovery will credit it",
                         metadata: ["lease": "\(lease)", "error": "\(error)"])
        }
    }

    // MARK: Unpaid bids

    /// Every bid not paid yet: the leases the store holds, and bids made here that it has not shown yet.
    func unpaidBids() -> [IntakeGate.UnpaidBid] {
        let at = now()
        let stored = storedUnpaidBids(at: at)
        return gate.withLock { $0.unpaidBids(stored: stored.bids, known: stored.known, now: at, bidLifetime: options.bidLifetime) }
    }

    /// The unpaid bids the lease store shows, and the request ids of every lease it shows, paid or not.
    func storedUnpaidBids(at: Date) -> (bids: [IntakeGate.UnpaidBid], known: Set<String>) {
        var bids: [IntakeGate.UnpaidBid] = []
        var known = Set<String>()
        for lease in leases.all {
            let id = lease.spec.requestEventId
            known.insert(id)
            // A bid past its expiry holds nothing, even before the lease controller marks it.
            guard lease.status?.paidUntil == nil, lease.metadata.deletionTimestamp == nil,
                  !(lease.status?.phase?.isTerminal ?? false), (lease.spec.bidExpiresAt.map { $0.date > at } ?? true) else { continue }
            bids.append(IntakeGate.UnpaidBid(
                requestID: id, tenant: lease.spec.tenantPubkey, proofOfWork: ProofOfWork.leadingZeroBits(hex: id) ?? 0,
                createdAt: lease.metadata.creationTimestamp.flatMap { Timestamp(rfc3339: $0)?.date } ?? at))
        }
        return (bids, known)
    }

    /// Ends an unpaid bid to make room for a request with more proof of work: its bid expires now,
    /// its capacity is released, and the lease controller ends it as an expired bid.
    private func withdraw(bidFor requestID: String) async {
        let name = ComputeLease.name(forRequestEventId: requestID)
        gate.withLock { $0.withdrawBid(requestID, now: now()) }
        inventory?.release(reservation: requestID)
        struct Expire: Encodable {
            struct Spec: Encodable { var bidExpiresAt: Timestamp }
            var spec: Spec
        }
        do {
            _ = try await client.patch(ComputeLease.self, name: name, .merge(encoding: Expire(spec: .init(bidExpiresAt: Timestamp(now())))))
            Counter(label: "ncn_bids_withdrawn_total").increment()
            logger.info("unpaid bid withdrawn for a request with more proof of work", metadata: ["lease": "\(name)"])
        } catch {
            logger.warning("cannot withdraw an unpaid bid", metadata: ["lease": "\(name)", "error": "\(error)"])
        }
    }

    // MARK: Helpers

    private func pool() -> RelayPool? { connection.withLock { $0?.pool } }

    /// Whether the relays hold an answer of ours to `requestID`, from before this process. When
    /// they cannot say within a few seconds (a relay that never sends EOSE) the answer is no: a
    /// rare second bid beats silence.
    func alreadyAnswered(_ requestID: String, key: SecretKey) async -> Bool {
        let since = Int64(startedAt.addingTimeInterval(-options.lookback).timeIntervalSince1970)
        return await earlierAnswers.contains(requestID) { [self] in
            guard let pool = pool(), let answers = await pool.stored([
                Filter(authors: [key.publicKey.hex], kinds: [ComputeKinds.result, ComputeKinds.jobFeedback], since: since),
            ], timeout: .seconds(10)) else {
                logger.warning("the relays did not list our earlier answers; requests from before the restart may be answered twice")
                return []
            }
            return Set(answers.flatMap(\.referencedEventIDs))
        }
    }

    /// An answer outside any lease (a refusal); `relays` are the request's own, when it could be read.
    func reply(_ feedback: ComputeFeedback, key: SecretKey, relays: [String] = []) async {
        if feedback.status == .error {
            let settings = provider.current?.spec.intake ?? IntakeSettings()
            let sent = gate.withLock({ $0.mayRefuse(settings: settings, now: now()) })
            journal.record(.init(at: now(), request: feedback.context.requestID, tenant: feedback.context.tenant, outcome: .refused,
                                 reason: feedback.message, code: feedback.errorCode?.rawValue, unsent: !sent))
            guard sent else {
                Counter(label: "ncn_refusals_unsent_total").increment()
                return
            }
        }
        guard let event = try? feedback.sign(with: key), let outbox = connection.withLock({ $0?.outbox }) else { return }
        outbox.send(event, relays: relays)
    }

    /// How to answer a request that could not be read: encrypted back if it came encrypted.
    static func context(of event: NostrEvent, relay: String) -> ComputeReplyContext {
        ComputeReplyContext(requestID: event.id, tenant: event.pubkey, encryption: .of(event), relayHint: relay)
    }

    static func describe(_ resources: LeaseResources) -> String {
        var parts = ["\(resources.cpu) CPU", "\(resources.memory) memory"]
        if let disk = resources.ephemeralStorage { parts.append("\(disk) disk") }
        if resources.gpus > 0 { parts.append("\(resources.gpus) × \(resources.gpuModel ?? "any") GPU") }
        return parts.joined(separator: ", ")
    }
}
