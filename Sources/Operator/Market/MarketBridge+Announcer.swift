import Billing
import ComputeAPI
import Foundation
import KubeClient
import NostrBridge

extension MarketBridge {
    /// Works through leases whose announcements may be due. Several of these run at once; the
    /// queue never hands the same lease to two of them, so each lease's announcements stay in order.
    func announce() async {
        while let name = await announcements.next() {
            guard let lease = leases.get(ObjectKey(name: name)), let key = connection.withLock({ $0?.key }) else {
                announcements.finish(name, result: .success(.awaitChange))
                announcements.forget(name)
                announced.withLock { $0[name] = nil }
                continue
            }
            do {
                try await announce(lease, key: key)
                announcements.finish(name, result: .success(.awaitChange))
            } catch where Task.isCancelled {
                return
            } catch {
                logger.warning("announcing to the tenant failed; retrying", metadata: ["lease": "\(name)", "error": "\(error)"])
                announcements.finish(name, result: .failure(error))
            }
        }
    }

    private func announce(_ lease: ComputeLease, key: SecretKey) async throws {
        let name = lease.metadata.name ?? ""
        // Paid: the lease's pod holds the capacity now, so the bid's hold on it goes.
        if lease.status?.paidUntil != nil { inventory?.release(reservation: lease.spec.requestEventId) }
        let due = LeaseAnnouncements.due(for: lease, now: now())
        // What this process published is known at once; the annotation that records it reaches the
        // store a watch event later, and a pass in between must not say it again.
        var done = MarketAnnotations.announcedKeys(of: lease).union(announced.withLock { $0[name] ?? [] })
        // A lease older than this process may have had announcements published by a process that
        // died before recording them: the relays remember, so ask them before saying it again.
        let created = lease.metadata.creationTimestamp.flatMap { Timestamp(rfc3339: $0)?.date } ?? .distantPast
        if created < startedAt, due.contains(where: { !done.contains($0.key) }) {
            done.formUnion(await publishedKeys(for: lease, key: key))
        }
        var published: [String] = []
        for announcement in due where !done.contains(announcement.key) {
            for event in try await events(for: announcement, lease: lease, key: key) {
                guard await publish(event, for: lease) else { throw MarketError.notPublished(announcement.key) }
            }
            published.append(announcement.key)
            announced.withLock { $0[name, default: []].insert(announcement.key) }
        }
        guard !published.isEmpty else { return }
        // Keep only keys still due (plus the bid), so the record stays small over a long lease.
        let keep = Set(due.map(\.key)).union(["bid"]).intersection(done.union(published))
        announced.withLock { $0[name] = keep }
        await markAnnounced(Array(keep), on: name, replacing: true)
    }

    private func events(for announcement: LeaseAnnouncement, lease: ComputeLease, key: SecretKey) async throws -> [NostrEvent] {
        let context = MarketAnnotations.replyContext(for: lease)
        let createdAt = announcement.createdAt
        switch announcement {
        case let .bid(bid, _):
            return [try ComputeResult.bid(context, bid).sign(with: key, createdAt: createdAt)]
        case let .invoice(invoice, paidUntil):
            var events = [try ComputeFeedback.paymentRequired(context, amountMsats: invoice.amountMsats, bolt11: invoice.bolt11,
                                                              tranche: invoice.tranche).sign(with: key, createdAt: createdAt)]
            if invoice.tranche > 0, let paidUntil {
                events.append(try ComputeResult.renewalDue(context, paidUntil: Int64(paidUntil.timeIntervalSince1970),
                                                           amountMsats: invoice.amountMsats).sign(with: key, createdAt: createdAt))
            }
            return events
        case let .cashuDue(tranche, amount, paidUntil):
            guard let cashu, let provider = self.provider.current, let rail = provider.spec.payments.cashu else { return [] }
            let lockKey = try await cashu.redeemer().lockKey
            let terms = ComputeCashuTerms(mints: rail.mints.map { ComputeMint(url: $0, unit: rail.unit.rawValue) }, p2pk: lockKey)
            var events = [try ComputeFeedback.paymentRequired(context, amountMsats: amount, bolt11: nil, cashu: terms, tranche: tranche).sign(with: key)]
            if tranche > 0, let paidUntil {
                events.append(try ComputeResult.renewalDue(context, paidUntil: LeaseAnnouncement.seconds(paidUntil), amountMsats: amount).sign(with: key))
            }
            return events
        case let .processing(paidUntil, _):
            let until = LeaseAnnouncement.seconds(paidUntil)
            return [try ComputeFeedback.processing(context, paidUntil: until, message: "Payment received; paid until \(until).")
                .sign(with: key, createdAt: createdAt)]
        case let .provisioning(paidUntil):
            return [try ComputeResult.provisioning(context, paidUntil: paidUntil.map(LeaseAnnouncement.seconds)).sign(with: key)]
        case let .running(endpoints, paidUntil):
            let wire = endpoints.map { ComputeEndpoint(host: $0.host, port: $0.port, protocol: $0.protocol == .udp ? .udp : .tcp, name: $0.name) }
            return [try ComputeResult.running(context, endpoints: wire, paidUntil: LeaseAnnouncement.seconds(paidUntil)).sign(with: key)]
        }
    }

    /// The announcement keys of what this provider already published about the lease's request.
    func publishedKeys(for lease: ComputeLease, key: SecretKey) async -> Set<String> {
        guard let pool = connection.withLock({ $0?.pool }) else { return [] }
        let events = await pool.stored([
            Filter(authors: [key.publicKey.hex], kinds: [ComputeKinds.result, ComputeKinds.jobFeedback],
                   tags: ["e": [lease.spec.requestEventId]]),
        ], timeout: .seconds(3)) ?? []
        var keys: Set<String> = []
        for event in events {
            if let result = try? ComputeResult.parse(event, key: key) {
                let paidUntil = result.paidUntil.map { Date(timeIntervalSince1970: TimeInterval($0)) }
                switch result.status {
                case .bid: keys.insert("bid")
                case .provisioning: keys.insert(LeaseAnnouncement.provisioning(paidUntil: paidUntil).key)
                case .running:
                    let endpoints = result.endpoints.map {
                        LeaseEndpoint(name: $0.name, host: $0.host, port: $0.port, protocol: $0.protocol == .udp ? .udp : .tcp)
                    }
                    keys.insert(LeaseAnnouncement.running(endpoints, paidUntil: paidUntil ?? .distantPast).key)
                default: break
                }
            } else if let feedback = try? ComputeFeedback.parse(event, key: key) {
                switch feedback.status {
                case .paymentRequired:
                    guard let tranche = feedback.tranche else { break }
                    if let bolt11 = feedback.bolt11, let invoice = try? Bolt11Invoice.decode(bolt11) {
                        keys.insert("invoice:\(tranche):\(invoice.paymentHash.prefix(8))")
                    } else if feedback.cashu != nil {
                        keys.insert("cashu:\(tranche)")
                    }
                case .processing:
                    if let until = feedback.paidUntil {
                        keys.insert(LeaseAnnouncement.processing(paidUntil: Date(timeIntervalSince1970: TimeInterval(until)), paidAt: nil).key)
                    }
                default: break
                }
            }
        }
        return keys
    }

    /// Records announced keys on the lease (a merge patch of one annotation).
    func markAnnounced(_ keys: [String], on name: String, replacing: Bool = false) async {
        struct Patch: Encodable {
            struct Meta: Encodable { var annotations: [String: String] }
            var metadata: Meta
        }
        var all = Set(keys)
        if !replacing, let lease = leases.get(ObjectKey(name: name)) { all.formUnion(MarketAnnotations.announcedKeys(of: lease)) }
        let value = all.sorted().joined(separator: ",")
        do {
            _ = try await client.patch(ComputeLease.self, name: name,
                                       .merge(encoding: Patch(metadata: .init(annotations: [MarketAnnotations.announced: value]))))
        } catch {
            logger.debug("cannot record announcements; they may be repeated", metadata: ["lease": "\(name)", "error": "\(error)"])
        }
    }
}
