import ArgumentParser
import Foundation
import NostrBridge
import Tenant

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print what a lease's container writes (its stdout and stderr), from the provider.",
        discussion: """
            The request to the provider and the lines it sends back are encrypted between you and \
            it (kinds 25900 and 26900, docs/nip-compute.md §5.4); only the lease's tenant key is \
            answered. With --follow, ncn keeps printing new lines until the container stops; it \
            resumes by itself, without repeating a line, when the provider's answer ends at its \
            time window or byte limit or the provider restarts. Ctrl-C stops reading; the lease \
            keeps running.

            Examples:
              ncn logs 5c1f…e9
              ncn logs 5c1f…e9 --follow
              ncn logs 5c1f…e9 --since 10m --tail 100 --timestamps
              ncn logs 5c1f…e9 --follow --json | jq -r .text
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: "The request id (64 hex digits), as ncn run printed it.") var id: String
    @Flag(name: [.short, .long], help: "Keep printing new lines until the container stops.") var follow = false
    @Option(help: "Only lines written within this long before now, e.g. 90s, 10m, 2h.") var since: String?
    @Option(help: "Only the last N lines (at most 10000).") var tail: Int?
    @Flag(help: "Prefix each line with the time the container wrote it (RFC 3339).") var timestamps = false

    func run() async throws {
        let output = common.output
        do {
            let requestID = try checkedID(id)
            var options = LogReader.Options()
            options.follow = follow
            if let since { options.since = Int64(Date().timeIntervalSince1970) - Int64(try RunParsing.duration(since, flag: "--since")) }
            if let tail {
                guard (0...ComputeLogRequest.maximumTailLines).contains(tail) else {
                    throw TenantError(.request, "--tail \(tail): give a number of lines from 0 to \(ComputeLogRequest.maximumTailLines)")
                }
                options.tailLines = tail
            }
            let key = try common.key()
            let pool = try common.pool()
            let timestamps = timestamps
            let outcome: LogReader.Outcome
            let summary: LeaseSummary
            (outcome, summary) = try await whileRunning([{ try await pool.run() }]) {
                let reader = LogReader(key: key, pool: pool)
                let (provider, summary) = try await reader.provider(of: requestID)
                let outcome = try await reader.read(requestID, provider: provider, options: options, lines: { lines in
                    for line in lines {
                        output.say((timestamps ? "\(line.timestamp.text) " : "") + line.text + (line.truncated ? " [cut by the provider]" : ""),
                                   ["event": "line", "time": line.timestamp.text, "text": line.text, "truncated": line.truncated])
                    }
                }, notice: { FileHandle.standardError.write(Data("ncn: \($0)\n".utf8)) })
                return (outcome, summary)
            }
            if common.json {
                output.say("", ["event": "end", "reason": outcome.end.reason, "message": outcome.end.message ?? NSNull(), "lines": outcome.lines,
                                "lost_chunks": outcome.lost])
            }
            switch outcome.end.reason {
            case ComputeLogChunk.End.complete, ComputeLogChunk.End.stopped:
                return
            case ComputeLogChunk.End.replaced:
                FileHandle.standardError.write(Data("ncn: stopped: \(outcome.end.message ?? "a newer ncn logs for this lease took over")\n".utf8))
            case ComputeLogChunk.End.busy:
                throw TenantError(.noProvider, "the provider is busy: \(outcome.end.message ?? "try again later")")
            default:
                let ended = summary.status == .completed || summary.status == .terminated
                let why = outcome.end.message ?? "no log to read"
                if ended {
                    FileHandle.standardError.write(Data("ncn: \(why) (the lease is \(summary.status?.rawValue ?? "") \(summary.reason ?? ""))\n".utf8))
                    throw ExitStatus.leaseEnded.code
                }
                throw TenantError(.noProvider, "the provider has no log for this lease: \(why)")
            }
        } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
    }
}
