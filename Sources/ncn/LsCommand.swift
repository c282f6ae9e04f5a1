import ArgumentParser
import Foundation
import NostrBridge
import Tenant

struct LsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the leases you started with ncn run, each with its latest state from the relays.",
        discussion: """
            ncn run records each request it publishes in leases.json in the config directory \
            (mode 600); the state shown is the provider's newest answer on the relays.

            Examples:
              ncn ls
              ncn ls --limit 5 --json | jq -r 'select(.status == "running") | .request'
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "Show the newest this many.") var limit = 20

    func run() async throws {
        let output = common.output
        do {
            let records = Array(try LeaseBook(paths: common.paths).records().reversed().prefix(max(0, limit)))
            guard !records.isEmpty else {
                output.say("no leases yet: ncn run records the ones it starts", ["event": "none"])
                return
            }
            let key = try common.key()
            let pool = try common.pool()
            let summaries = try await whileRunning([{ try await pool.run() }]) {
                try await LeaseQueries(key: key, pool: pool).summaries(of: records.map(\.request))
            }
            for record in records {
                let summary = summaries[record.request]
                var state = summary?.status.map { "\($0.rawValue)\(summary?.reason.map { " \($0)" } ?? "")" } ?? (summary?.errors.isEmpty == false ? "refused" : "no answer")
                if summary?.hasEnded == false, let paidUntil = summary?.paidUntil { state += ", paid until \(Format.time(paidUntil))" }
                let started = Format.date(record.createdAt)
                output.say("\(record.request)  \(state)  \(Format.short(record.provider))  \(record.image)  \(started)\(record.uptime.map { "  uptime \($0)" } ?? "")",
                           ["request": record.request, "provider": record.provider, "image": record.image, "created_at": record.createdAt,
                            "status": summary?.status?.rawValue ?? NSNull(), "reason": summary?.reason ?? NSNull(),
                            "paid_until": summary?.paidUntil ?? NSNull(), "uptime": record.uptime ?? NSNull(), "errors": summary?.errors ?? []])
            }
        } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
    }
}

extension Format {
    static func date(_ unix: Int64) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unix)))
    }
}
