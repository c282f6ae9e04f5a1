import ArgumentParser
import Foundation
import NostrBridge
import Tenant

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the latest answers about a request: state, price, paid-until, endpoints.",
        discussion: "Examples:\n  ncn status 5c1f…e9\n  ncn status 5c1f…e9 --json | jq .status")

    @OptionGroup var common: CommonOptions
    @Argument(help: "The request id (64 hex digits), as ncn run printed it.") var id: String

    func run() async throws {
        let output = common.output
        do {
            let requestID = try checkedID(id)
            let key = try common.key()
            let pool = try common.pool()
            let summary = try await whileRunning([{ try await pool.run() }]) { try await LeaseQueries(key: key, pool: pool).status(of: requestID) }
            show(summary, output)
            if summary.status == nil && summary.errors.isEmpty { throw ExitStatus.noProvider.code }
        } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
    }
}

func checkedID(_ text: String) throws(TenantError) -> String {
    let id = text.lowercased()
    guard id.utf8.count == 64, id.allSatisfy(\.isHexDigit) else { throw TenantError(.request, "\(text) is not a request id: 64 hex digits, as ncn run printed") }
    return id
}

func show(_ summary: LeaseSummary, _ output: Output) {
    let endpoints = summary.endpoints.map { "\($0.host):\($0.port)/\($0.protocol.rawValue)" }
    var human = "request \(summary.requestID)\n"
    if let status = summary.status {
        human += "status \(status.rawValue)\(summary.reason.map { " \($0)" } ?? "") from \(summary.provider.map(Format.short) ?? "?")"
        if let bid = summary.bid { human += "\nprice \(Format.msats(bid.pricePerIntervalMsats)) per \(bid.intervalSeconds) s, \(bid.tranches) tranches" }
        if let paidUntil = summary.paidUntil { human += "\npaid until \(Format.time(paidUntil)); tranches asked up to \(summary.highestTrancheAsked ?? 0), credited \(summary.credits)" }
        if !endpoints.isEmpty { human += "\nendpoints \(endpoints.joined(separator: ", "))" }
    } else {
        human += "no answer from a provider yet"
    }
    for error in summary.errors { human += "\nerror: \(error)" }
    output.say(human, [
        "request": summary.requestID, "status": summary.status?.rawValue ?? NSNull(), "reason": summary.reason ?? NSNull(),
        "provider": summary.provider ?? NSNull(), "price_msats": summary.bid?.pricePerIntervalMsats ?? NSNull(),
        "paid_until": summary.paidUntil ?? NSNull(), "credits": summary.credits, "endpoints": endpoints, "errors": summary.errors,
    ])
}
