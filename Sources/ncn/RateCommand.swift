import ArgumentParser
import Foundation
import NostrBridge
import Tenant

struct RateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate",
        abstract: "Rate the provider of a lease (kind 7900): stars, measured uptime, a review, abuse reports.",
        discussion: """
            The rating names the request and the provider that bid on it (read from the relays), \
            and the provider's offer when it has one. ncn offers counts it in that provider's \
            reputation for you and for whoever follows you; a rating of a request the provider \
            answered counts fully. ncn run prints the command with the uptime it measured.

            Examples:
              ncn rate 5c1f…e9 --stars 5 --uptime 0.998 --review "Fast start, up the whole hour."
              ncn rate 5c1f…e9 --stars 1 --report no-delivery "the endpoint never answered"
              ncn rate 5c1f…e9 --stars 4 --json
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: "The request id (64 hex digits), as ncn run printed it.") var id: String
    @Option(help: "Overall score, 1 to 5.") var stars: Int
    @Option(help: "Share of the paid time the endpoints answered, 0 to 1 (e.g. 0.998).") var uptime: String?
    @Option(help: "A free-text review (the event's content).") var review: String?
    @Option(parsing: .upToNextOption, help: ArgumentHelp("An abuse report: a category (no-delivery, tampering, overbilling, …) and a text (repeatable).",
                                                         valueName: "category text"))
    var report: [String] = []
    @Option(help: "npub or hex of the provider, when the relays no longer have its bid.") var provider: String?

    func run() async throws {
        let output = common.output
        do {
            let requestID = try checkedID(id)
            guard (1...5).contains(stars) else { throw TenantError(.request, "--stars \(stars): give 1 to 5 stars") }
            let uptime = try self.uptime.map { (text) throws(TenantError) in try LeaseRating.uptime(text) }
            guard report.count % 2 == 0 else {
                throw TenantError(.request, "--report takes a category and a text, e.g. --report no-delivery \"the endpoint never answered\"")
            }
            let reports = stride(from: 0, to: report.count, by: 2).map { [report[$0], report[$0 + 1]] }
            let named = try provider.map { (text) throws(TenantError) in try parseProvider(text).hex }
            let key = try common.key()
            let pool = try common.pool()
            let (rating, relays) = try await whileRunning([{ try await pool.run() }]) { () async throws -> (NostrEvent, [String]) in
                let summary = try await LeaseQueries(key: key, pool: pool).summaries(of: [requestID])[requestID]
                let bidder = summary?.provider
                if let named, let bidder, named != bidder {
                    throw TenantError(.request, "the provider that bid on \(requestID) is \(bidder), not \(named): rate the one you dealt with")
                }
                guard let rated = bidder ?? named else {
                    throw TenantError(.noProvider, "the relays have no bid for \(requestID): nothing to rate (check --relay, or name the provider with --provider)")
                }
                let offer = await LeaseRating.offerIdentifier(of: rated, pool: pool, now: NostrEvent.currentTimestamp())
                return try await LeaseRating(requestID: requestID, provider: rated, stars: stars, uptime: uptime, review: review ?? "", reports: reports,
                                             offerIdentifier: offer).publish(key: key, pool: pool)
            }
            let ratedProvider = rating.firstTagValue("p") ?? ""
            output.say("rated \(Format.short(ratedProvider)) \(stars) star\(stars == 1 ? "" : "s")\(uptime.map { ", uptime \($0)" } ?? "")\(reports.isEmpty ? "" : ", \(reports.count) report\(reports.count == 1 ? "" : "s")") for request \(requestID)\nevent \(rating.id) on \(relays.count) relay\(relays.count == 1 ? "" : "s")",
                       ["event": "rated", "request": requestID, "provider": ratedProvider, "rating": rating.id, "stars": stars, "uptime": uptime ?? NSNull(),
                        "reports": reports, "relays": relays, "offer": rating.firstTagValue("a") ?? NSNull()])
        } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
    }
}
