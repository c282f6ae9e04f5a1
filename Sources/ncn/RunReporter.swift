import Foundation
import NostrBridge
import Tenant

/// The progress lines of `ncn run`, human or JSON.
struct RunReporter {
    let output: Output
    let budget: Int64
    /// How tranches are paid, for the "paying" line.
    var rail: ComputeRail = .lightning

    func show(_ report: LeaseReport) {
        switch report {
        case let .published(id, provider, relays):
            output.say("request \(id) published to \(relays.count) relay\(relays.count == 1 ? "" : "s"), encrypted to \(Format.short(provider)); waiting for the bid",
                       ["event": "published", "request": id, "provider": provider, "relays": relays])
        case let .progress(progress):
            show(progress)
        }
    }

    private func show(_ progress: LeaseProgress) {
        switch progress {
        case let .bid(provider, bid):
            let total = bid.totalMsats ?? 0
            output.say("bid from \(Format.short(provider)): \(Format.msats(bid.pricePerIntervalMsats)) per \(bid.intervalSeconds) s, \(bid.tranches) tranches, \(Format.msats(total)) in all (at most \(Format.msats(budget)))",
                       ["event": "bid", "provider": provider, "price_msats": bid.pricePerIntervalMsats, "interval": bid.intervalSeconds,
                        "tranches": bid.tranches, "total_msats": total])
        case let .ignored(why):
            output.say("ignored: \(why)", ["event": "ignored", "why": why])
        case let .paymentRefused(why):
            output.say("NOT PAID: \(why)", ["event": "payment-refused", "why": why])
        case let .paying(tranche, msats):
            output.say("paying tranche \(tranche): \(Format.msats(msats)) \(rail == .cashu ? "by nutzap" : "by NWC")", ["event": "paying", "tranche": tranche, "msats": msats])
        case let .paid(tranche, msats, total):
            output.say("paid tranche \(tranche) (\(Format.msats(msats))); \(Format.msats(total)) paid so far",
                       ["event": "paid", "tranche": tranche, "msats": msats, "total_msats": total])
        case let .paymentFailed(tranche, why):
            output.say("payment of tranche \(tranche) FAILED: \(why); check the wallet's balance and its pay_invoice permission",
                       ["event": "payment-failed", "tranche": tranche, "why": why])
        case let .credited(paidUntil):
            output.say("provider credited the payment; paid until \(Format.time(paidUntil))", ["event": "credited", "paid_until": paidUntil ?? 0])
        case let .provisioning(paidUntil):
            output.say("provisioning (pulling and starting the image)", ["event": "provisioning", "paid_until": paidUntil ?? 0])
        case let .running(endpoints, paidUntil):
            let list = endpoints.map { "\($0.host):\($0.port)/\($0.protocol.rawValue)\($0.name.map { " (\($0))" } ?? "")" }
            output.say("running, paid until \(Format.time(paidUntil))\(list.isEmpty ? "" : "; endpoints: " + list.joined(separator: ", "))",
                       ["event": "running", "paid_until": paidUntil, "endpoints": list])
        case let .renewalDue(paidUntil, msats):
            output.say("renewal due: \(Format.msats(msats)) before \(Format.time(paidUntil))", ["event": "renewal-due", "paid_until": paidUntil, "msats": msats])
        case let .providerMessage(message):
            output.say("provider says: \(message)", ["event": "provider-error", "message": message])
        case .cancelling:
            output.say("cancelling: published a deletion (kind 5), waiting for the provider to confirm", ["event": "cancelling"])
        case let .escrowReleased(tranche):
            output.say("released escrowed tranche \(tranche) to the provider (it was served)", ["event": "escrow-released", "tranche": tranche])
        }
    }

    /// The last line, and the exit status it means.
    func finish(_ outcome: LeaseOutcome) -> ExitStatus {
        switch outcome {
        case let .ended(status, reason, message, paid, refused):
            output.say("lease \(status.rawValue) \(reason)\(message.map { ": \($0)" } ?? ""); paid \(Format.msats(paid)) in all",
                       ["event": "ended", "status": status.rawValue, "reason": reason, "message": message ?? "", "paid_msats": paid,
                        "refused_payments": refused])
            if status == .completed { return .ok }
            return refused > 0 && reason == ComputeEndReason.unpaid.rawValue ? .payment : .leaseEnded
        case let .refused(code, message):
            output.say("refused\(code.map { " (\($0))" } ?? ""): \(message)", ["event": "refused", "reason": code ?? "", "message": message])
            return .noProvider
        case let .noBid(seconds):
            output.say("no bid within \(seconds) s: the provider may be offline or busy; try another (ncn offers) or a longer --bid-wait",
                       ["event": "no-bid", "waited": seconds])
            return .noProvider
        case let .cancelled(confirmed, paid):
            output.say("cancelled\(confirmed ? " (provider confirmed: terminated cancelled)" : " (the provider did not confirm in time; check with ncn status)"); paid \(Format.msats(paid)) in all",
                       ["event": "cancelled", "confirmed": confirmed, "paid_msats": paid])
            return .interrupted
        }
    }
}
