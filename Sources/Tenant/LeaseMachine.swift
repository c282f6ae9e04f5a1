import Foundation
import NostrBridge

/// One lease from the tenant's side, with no IO: it is told what arrived (answers, payment
/// results, the user's Ctrl-C, timers) and answers with what to do (report, pay, publish the
/// cancellation, finish). The runner does the IO; tests drive this directly.
public struct LeaseMachine: Sendable {
    public enum Input: Sendable, Hashable {
        case answer(LeaseAnswer, now: Date)
        case paid(tranche: Int, msats: Int64)
        case paymentFailed(tranche: Int, reason: String)
        case cancelRequested
        case cancelWaitOver
        case bidWaitOver(seconds: Int)
    }

    public enum Action: Sendable, Hashable {
        case report(LeaseProgress)
        case pay(bolt11: String, msats: Int64, tranche: Int)
        /// Pay with a nutzap on these Cashu terms.
        case payCashu(ComputeCashuTerms, msats: Int64, tranche: Int)
        case publishCancellation
        case finish(LeaseOutcome)
    }

    private enum Phase: Sendable, Hashable { case active, cancelling, finished }

    public let provider: String
    public let budgetMsats: Int64
    /// The arbitrator the request asked to escrow with: a bid that does not echo it is not paid.
    public var escrowArbitrator: String?
    private var phase = Phase.active
    private var bid: ComputeBid?
    private var queued: [PaymentDemand] = []
    private var paying: Int?
    private var nextTranche = 0
    private var paidMsats: Int64 = 0
    private var refusedPayments = 0
    private var lastRunning: ([ComputeEndpoint], Int64)?
    private var lastProvisioning: Int64??

    public init(provider: String, budgetMsats: Int64) {
        self.provider = provider
        self.budgetMsats = budgetMsats
    }

    /// A lease already under way (`ncn watch`): its bid is known and its first `paidTranches`
    /// tranches (`paidMsats` in all) are paid, so their demands, read again, are not paid twice.
    public init(provider: String, budgetMsats: Int64, resuming bid: ComputeBid, paidTranches: Int, paidMsats: Int64) {
        self.init(provider: provider, budgetMsats: budgetMsats)
        self.bid = bid
        nextTranche = paidTranches
        self.paidMsats = paidMsats
    }

    public var isFinished: Bool { phase == .finished }
    public var totalPaidMsats: Int64 { paidMsats }

    public mutating func handle(_ input: Input) -> [Action] {
        guard phase != .finished else { return [] }
        switch input {
        case let .answer(.result(result, author, _), now):
            return received(result, from: author, now: now)
        case let .answer(.feedback(feedback, author, eventID), now):
            return received(feedback, from: author, eventID: eventID, now: now)
        case let .paid(tranche, msats):
            paying = nil
            paidMsats += msats
            nextTranche = max(nextTranche, tranche + 1)
            return [.report(.paid(tranche: tranche, msats: msats, totalMsats: paidMsats))] + drain(now: Date())
        case let .paymentFailed(tranche, reason):
            paying = nil
            return [.report(.paymentFailed(tranche: tranche, reason))] + drain(now: Date())
        case .cancelRequested:
            guard phase == .active else { return [] }
            phase = .cancelling
            queued.removeAll()
            return [.report(.cancelling), .publishCancellation]
        case .cancelWaitOver:
            guard phase == .cancelling else { return [] }
            return finish(.cancelled(confirmed: false, paidMsats: paidMsats))
        case let .bidWaitOver(seconds):
            guard bid == nil, phase == .active else { return [] }
            return finish(.noBid(waitedSeconds: seconds))
        }
    }

    private mutating func received(_ result: ComputeResult, from author: String, now: Date) -> [Action] {
        guard author == provider else { return [.report(.ignored("a 6900 \(result.status.rawValue) from \(author), not the chosen provider"))] }
        switch result.status {
        case .bid:
            guard bid == nil, let offered = result.bid else { return [] }
            if let escrowArbitrator, offered.escrowArbitrator != escrowArbitrator {
                return finish(.refused(code: "policy", message: "the provider's bid does not carry the escrow you asked for (draft §7.7); nothing was paid"))
            }
            bid = offered
            return [.report(.bid(provider: author, offered))] + drain(now: now)
        case .provisioning:
            guard lastProvisioning != .some(result.paidUntil) else { return [] }
            lastProvisioning = .some(result.paidUntil)
            return [.report(.provisioning(paidUntil: result.paidUntil))]
        case .running:
            let paidUntil = result.paidUntil ?? 0
            if let last = lastRunning, last.0 == result.endpoints, last.1 == paidUntil { return [] }
            lastRunning = (result.endpoints, paidUntil)
            return [.report(.running(result.endpoints, paidUntil: paidUntil))]
        case .renewalDue:
            return [.report(.renewalDue(paidUntil: result.paidUntil ?? 0, msats: result.amountMsats ?? 0))]
        case .completed, .terminated:
            let reason = result.reason?.rawValue ?? "unknown"
            if phase == .cancelling, result.status == .terminated {
                return finish(.cancelled(confirmed: true, paidMsats: paidMsats))
            }
            return finish(.ended(result.status, reason: reason, message: result.message, paidMsats: paidMsats, refusedPayments: refusedPayments))
        }
    }

    private mutating func received(_ feedback: ComputeFeedback, from author: String, eventID: String, now: Date) -> [Action] {
        switch feedback.status {
        case .paymentRequired:
            let demand = PaymentDemand(eventID: eventID, author: author, tranche: feedback.tranche, amountMsats: feedback.amountMsats, bolt11: feedback.bolt11,
                                       cashu: feedback.cashu)
            if phase == .cancelling {
                return [.report(.paymentRefused("tranche \(feedback.tranche.map(String.init) ?? "?") not paid: the lease is being cancelled"))]
            }
            guard author == provider else {
                refusedPayments += 1
                return [.report(.paymentRefused("not paid: a payment-required from \(author), not from the provider that bid (\(provider))"))]
            }
            queued.append(demand)
            return drain(now: now)
        case .error:
            guard author == provider else { return [.report(.ignored("a 7000 error from \(author), not the chosen provider"))] }
            let message = feedback.message ?? "the provider sent an error without a message"
            if bid == nil { return finish(.refused(code: feedback.errorCode?.rawValue, message: message)) }
            return [.report(.providerMessage(message))]
        case .processing:
            guard author == provider else { return [] }
            return [.report(.credited(paidUntil: feedback.paidUntil))]
        case .success, .partial:
            return []
        }
    }

    /// Checks and pays the queued demands, one payment at a time, once the bid is known.
    private mutating func drain(now: Date) -> [Action] {
        guard let bid, paying == nil, phase == .active else { return [] }
        var actions: [Action] = []
        while !queued.isEmpty, paying == nil {
            let demand = queued.removeFirst()
            let check = PaymentCheck(bidder: provider, bid: bid, nextTranche: nextTranche, paidMsats: paidMsats, budgetMsats: budgetMsats)
            switch check.check(demand, now: now) {
            case let .pay(bolt11, msats, tranche):
                paying = tranche
                actions += [.report(.paying(tranche: tranche, msats: msats)), .pay(bolt11: bolt11, msats: msats, tranche: tranche)]
            case let .payCashu(terms, msats, tranche):
                paying = tranche
                actions += [.report(.paying(tranche: tranche, msats: msats)), .payCashu(terms, msats: msats, tranche: tranche)]
            case .alreadyPaid:
                continue
            case let .refuse(why):
                refusedPayments += 1
                actions.append(.report(.paymentRefused("not paid: \(why)")))
            }
        }
        return actions
    }

    private mutating func finish(_ outcome: LeaseOutcome) -> [Action] {
        phase = .finished
        return [.finish(outcome)]
    }
}
