import ArgumentParser
import Foundation
import Tenant

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a request or lease (NIP-09 kind 5) and wait for the provider to confirm.",
        discussion: "Examples:\n  ncn cancel 5c1f…e9\n  ncn cancel 5c1f…e9 --wait 60 --json")

    @OptionGroup var common: CommonOptions
    @Argument(help: "The request id (64 hex digits).") var id: String
    @Option(help: "Seconds to wait for `terminated`.") var wait = 20

    func run() async throws {
        let output = common.output
        do {
            let requestID = try checkedID(id)
            let key = try common.key()
            let pool = try common.pool()
            let (confirmed, summary) = try await whileRunning([{ try await pool.run() }]) {
                try await LeaseQueries(key: key, pool: pool).cancel(requestID, wait: .seconds(wait))
            }
            output.say(confirmed ? "cancelled: the provider ended the lease (\(summary.status?.rawValue ?? "?") \(summary.reason ?? ""))"
                                 : "cancellation published; the provider has not confirmed within \(wait) s (check later with ncn status \(requestID))",
                       ["event": "cancel", "request": requestID, "confirmed": confirmed, "status": summary.status?.rawValue ?? NSNull(),
                        "reason": summary.reason ?? NSNull()])
        } catch { throw output.fail(error).code }
    }
}
