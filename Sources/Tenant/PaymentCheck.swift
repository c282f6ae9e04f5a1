import Billing
import Foundation
import NostrBridge

/// A `payment-required` as the tenant received it.
public struct PaymentDemand: Sendable, Hashable {
    public var eventID: String
    /// Who signed it.
    public var author: String
    public var tranche: Int?
    public var amountMsats: Int64?
    public var bolt11: String?
    /// The provider's mints and lock key, on the Cashu rail.
    public var cashu: ComputeCashuTerms?

    public init(eventID: String, author: String, tranche: Int?, amountMsats: Int64?, bolt11: String?, cashu: ComputeCashuTerms? = nil) {
        self.eventID = eventID
        self.author = author
        self.tranche = tranche
        self.amountMsats = amountMsats
        self.bolt11 = bolt11
        self.cashu = cashu
    }
}

/// What to do with a demand.
public enum PaymentVerdict: Sendable, Hashable {
    case pay(bolt11: String, msats: Int64, tranche: Int)
    /// On the Cashu rail (the bid's): a nutzap of `msats` at one of the terms' mints, locked to its key.
    case payCashu(ComputeCashuTerms, msats: Int64, tranche: Int)
    /// A tranche already paid (a re-sent or duplicate demand): nothing to do, nothing to say.
    case alreadyPaid(tranche: Int)
    /// Not paid, and why, in words for the tenant.
    case refuse(String)
}

/// The checks a demand passes before any money moves (draft §5.2, §7.2, §10, §11): it comes
/// from the provider that bid, asks exactly the bid's price for the next tranche, no tranche
/// past the duration and nothing past the tenant's maximum, with a bolt11 for that same amount
/// that has not expired; on the Cashu rail (the bid says which), with the provider's mints and
/// lock key instead of the bolt11. Pure: the bolt11 is decoded here, nothing is sent.
public struct PaymentCheck: Sendable, Hashable {
    public var bidder: String
    public var bid: ComputeBid
    /// The tranche to pay next (0 before anything was paid).
    public var nextTranche: Int
    public var paidMsats: Int64
    /// The request's `bid` tag: the most paid in all.
    public var budgetMsats: Int64

    public init(bidder: String, bid: ComputeBid, nextTranche: Int, paidMsats: Int64, budgetMsats: Int64) {
        self.bidder = bidder
        self.bid = bid
        self.nextTranche = nextTranche
        self.paidMsats = paidMsats
        self.budgetMsats = budgetMsats
    }

    public func check(_ demand: PaymentDemand, now: Date) -> PaymentVerdict {
        guard demand.author == bidder else {
            return .refuse("a payment-required from \(demand.author), not from the provider that bid (\(bidder)): ignored")
        }
        guard let tranche = demand.tranche else { return .refuse("the payment-required names no tranche") }
        if tranche < nextTranche { return .alreadyPaid(tranche: tranche) }
        guard tranche == nextTranche else {
            return .refuse("the payment-required is for tranche \(tranche), the next one is \(nextTranche)")
        }
        guard tranche < bid.tranches else {
            return .refuse("tranche \(tranche) is past the duration (\(bid.tranches) tranches of \(bid.intervalSeconds) s)")
        }
        guard let amount = demand.amountMsats else { return .refuse("the payment-required has no amount") }
        guard amount == bid.pricePerIntervalMsats else {
            return .refuse("tranche \(tranche) asks \(amount) msats, the bid's price per interval is \(bid.pricePerIntervalMsats) msats")
        }
        guard amount <= budgetMsats - paidMsats else {
            return .refuse("paying \(amount) msats would go past the maximum of \(budgetMsats) msats (\(paidMsats) paid)")
        }
        if bid.rail == .cashu {
            guard let terms = demand.cashu else { return .refuse("tranche \(tranche) names no Cashu mint and lock key, and the lease is paid in Cashu") }
            return .payCashu(terms, msats: amount, tranche: tranche)
        }
        guard let bolt11 = demand.bolt11 else { return .refuse("tranche \(tranche) has no bolt11 (Cashu only): ncn pays by Lightning") }
        let invoice: Bolt11Invoice
        do { invoice = try Bolt11Invoice.decode(bolt11) } catch {
            return .refuse("the bolt11 of tranche \(tranche) does not decode: \(error)")
        }
        guard invoice.amountMsats == amount else {
            return .refuse("the bolt11 of tranche \(tranche) is for \(invoice.amountMsats.map { "\($0) msats" } ?? "no amount"), the demand says \(amount) msats")
        }
        if invoice.isExpired(at: now) { return .refuse("the bolt11 of tranche \(tranche) expired at \(invoice.expiresAt)") }
        return .pay(bolt11: bolt11, msats: amount, tranche: tranche)
    }
}
