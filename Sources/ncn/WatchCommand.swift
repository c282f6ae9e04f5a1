import ArgumentParser
import Billing
import Foundation
import NostrBridge
import Tenant

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Resume following a lease after ncn run stopped: check and pay each tranche, until it ends or Ctrl-C.",
        discussion: """
            The lease's state is read from the relays: the provider that bid, its price, and the \
            tranches it credited (kind 7000 processing), which are not paid again (one asked for \
            and not yet credited is given up to 8 s to be, when paid time is not running out). Then, as in ncn \
            run, every payment-required is checked before it is paid, over NWC or, when the bid is on \
            the Cashu rail, by nutzap from the wallet of ncn wallet; the endpoints' uptime \
            is measured, and Ctrl-C cancels the lease (kind 5). The most paid in all is what ncn run \
            agreed (recorded for ncn ls), else the bid's total, unless --max-price says otherwise.

            Examples:
              ncn watch 5c1f…e9 --nwc "$NWC"
              NCN_NWC=nostr+walletconnect://… ncn watch 5c1f…e9 --json
              ncn watch 5c1f…e9 --rate 5
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: "The request id (64 hex digits), as ncn run or ncn ls printed it.") var id: String
    @Option(help: "The NIP-47 wallet URI (nostr+walletconnect://…) that pays a Lightning bid; default NCN_NWC.") var nwc: String?
    @Option(name: .customLong("max-price"), help: "The most paid in all, msats (default: what ncn run agreed, else the bid's total).")
    var maxPrice: Int64?
    @Option(help: "When the lease ends, rate the provider this many stars (1-5) with the measured uptime.") var rate: Int?

    func run() async throws {
        let output = common.output
        do {
            let requestID = try checkedID(id)
            if let rate, !(1...5).contains(rate) { throw TenantError(.request, "--rate \(rate): give 1 to 5 stars") }
            let key = try common.key()
            let pool = try common.pool()
            let relays = try common.relays()
            let record = try LeaseBook(paths: common.paths).record(requestID)
            let status = try await whileRunning([{ try await pool.run() }]) { () async throws -> ExitStatus in
                let queries = LeaseQueries(key: key, pool: pool)
                var summary = try await queries.summaries(of: [requestID])[requestID]
                    ?? LeaseSummary.summarize(requestID: requestID, events: [], key: key)
                // The last tranche asked for may have been paid just before ncn run stopped, and not
                // credited yet (providers look payments up every few seconds): paying it again would
                // fail at the wallet and leave the next tranche refused. So wait a little for it, when
                // the paid time leaves room for that.
                for _ in 0..<4 where !summary.hasEnded && summary.credits <= (summary.highestTrancheAsked ?? -1)
                    && (summary.paidUntil ?? 0) - NostrEvent.currentTimestamp() > 30 {
                    try await Task.sleep(for: .seconds(2))
                    summary = try await queries.summaries(of: [requestID])[requestID] ?? summary
                }
                guard let provider = summary.provider, let bid = summary.bid else {
                    throw TenantError(.noProvider, summary.errors.isEmpty
                        ? "the relays have no bid for \(requestID): check the id and --relay (ncn ls lists yours)"
                        : "the provider refused \(requestID): \(summary.errors.joined(separator: "; "))")
                }
                // The bid says the rail; Cashu is paid from the wallet of `ncn wallet`, as ncn run --pay cashu does.
                let payment = try RunPayment.make(pay: bid.rail == .cashu ? "cashu" : "nwc", paths: common.paths) { () throws(TenantError) in
                    try nwcURI(flag: nwc, environment: common.environment)
                }
                if summary.hasEnded {
                    show(summary, output)
                    return summary.status == .completed ? .ok : .leaseEnded
                }
                // Credited tranches (distinct `processing` answers), never more than were asked for.
                let paid = min(summary.credits, (summary.highestTrancheAsked ?? -1) + 1)
                let budget = maxPrice ?? record?.maxPriceMsats ?? bid.totalMsats ?? bid.pricePerIntervalMsats * Int64(bid.tranches)
                let machine = LeaseMachine(provider: provider, budgetMsats: budget, resuming: bid, paidTranches: paid,
                                           paidMsats: Int64(paid) * bid.pricePerIntervalMsats)
                output.say("watching request \(requestID) with \(Format.short(provider)): \(summary.status?.rawValue ?? "?"), \(paid) of \(bid.tranches) tranches paid (\(Format.msats(Int64(paid) * bid.pricePerIntervalMsats))), at most \(Format.msats(budget)) in all",
                           ["event": "watching", "request": requestID, "provider": provider, "status": summary.status?.rawValue ?? NSNull(),
                            "tranches_paid": paid, "tranches": bid.tranches, "max_price_msats": budget])
                let aftercare = LeaseAftercare(output: output, paths: common.paths, image: nil, maxPriceMsats: budget, relays: relays,
                                               relayFlags: common.relay, request: requestID, provider: provider)
                if summary.status == .running || summary.status == .renewalDue { aftercare.uptime.running(summary.endpoints) }
                let runner = payment.runner(key: key, pool: pool)
                let interrupts = Interrupts.stream()
                let outcome = try await whileRunning([{ await aftercare.uptime.run() }] + payment.services) {
                    try await runner.resume(requestID: requestID, machine: machine, interrupts: interrupts) { report in
                        aftercare.observe(report)
                        RunReporter(output: output, budget: budget, rail: payment.rail).show(report)
                    }
                }
                let ended = RunReporter(output: output, budget: 0).finish(outcome)
                await aftercare.conclude(outcome, stars: rate, key: key, pool: pool)
                return ended
            }
            if status != .ok { throw status.code }
        } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
    }
}

/// The NWC wallet URI from --nwc or NCN_NWC.
func nwcURI(flag: String?, environment: [String: String]) throws(TenantError) -> NWCConnectionURI {
    guard let text = flag ?? environment["NCN_NWC"], !text.isEmpty else {
        throw TenantError(.setup, "no wallet: pass --nwc nostr+walletconnect://… (from your wallet's NWC settings, with pay_invoice allowed) or set NCN_NWC")
    }
    do { return try NWCConnectionURI(parsing: text) } catch {
        throw TenantError(.setup, "the NWC URI does not parse (\(error)): copy it again from your wallet")
    }
}
