import ArgumentParser
import Billing
import Foundation
import NostrBridge

/// The provider under load, seen from the tenants' side: kind-5900 requests at fixed offered
/// rates, and the latency of each provider's bid (6900) and payment-required (7000).
struct MarketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "market",
        abstract: "Load providers with kind-5900 requests at fixed rates; report bid and payment-required latency.",
        discussion: """
            Every --target is loaded in turn at each rate, on the same relay, with requests from fresh keys.
            Every --invalid-every-th request asks for --refused-image and must be refused with a 7000 error.
            scripts/bench market starts the relay, the operator and the nostr-dvm peer and runs this.

            Example:
              ncn-bench market --relay ws://127.0.0.1:27001 --image registry.bench.invalid/app:1 \\
                --refused-image elsewhere.example/app:1 --rates 1,10,100 \\
                --target ncn-operator=<hex key>:<pid> --target nostr-dvm=<hex key>:<pid>
            """)

    @Option(help: "A relay the providers read (repeatable).") var relay: [String]
    @Option(help: "A provider to load, LABEL=PUBKEY[:PID]; the process is sampled for CPU and RSS (repeatable).")
    var target: [String]
    @Option(help: "Offered rates in requests per second, comma-separated.") var rates = "1,10,100,1000"
    @Option(help: "At most this many requests per step.") var count = 500
    @Option(help: "At most this many seconds of sending per step.") var stepSeconds = 10.0
    @Option(help: "Seconds to wait for answers after a step's last request.") var settle = 15.0
    @Option(help: "An answer later than this many seconds counts as late.") var lateAfter = 5.0
    @Option(help: "Every Nth request must be refused (0: none).") var invalidEvery = 5
    @Option(help: "The image valid requests ask for (allowed by the providers).") var image: String
    @Option(help: "The image the refused requests ask for (outside the providers' allowlist).") var refusedImage: String
    @Option(help: "CPU per request.") var cpu = "100m"
    @Option(help: "Memory per request.") var memory = "64Mi"
    @Option(help: "Duration per request, seconds.") var duration = 600
    @Option(help: "The bid per request, msats.") var bid: Int64 = 1_000_000_000
    @Option(help: "Seconds to rest between steps, so one step's leftovers do not load the next.") var rest = 3.0
    @Option(help: "An LNbits URL: each rate also times invoice creation there alone, the reference for the 7000 column.")
    var lnbitsUrl: String?
    @Option(help: "The invoice key of that LNbits wallet.") var lnbitsInvoiceKey: String?
    @Option(help: "Then send this many requests to be refused and measure refusals per CPU-second of each provider (0: skip).")
    var triage = 1000
    @Option(help: "At most this many of the triage's requests unanswered at a time.")
    var triageWindow = 200
    @Flag(help: "One JSON object per step instead of the table.") var json = false

    func validate() throws {
        guard !relay.isEmpty else { throw ValidationError("give at least one --relay") }
        guard !target.isEmpty else { throw ValidationError("give at least one --target LABEL=PUBKEY[:PID]") }
        guard count > 0, stepSeconds > 0, settle >= 0 else { throw ValidationError("--count, --step-seconds and --settle must be positive") }
        guard (lnbitsUrl == nil) == (lnbitsInvoiceKey == nil) else { throw ValidationError("give --lnbits-url and --lnbits-invoice-key together") }
        guard !offeredRates().isEmpty else { throw ValidationError("--rates \(rates): write positive numbers, e.g. 1,10,100") }
        guard triageWindow > 0 else { throw ValidationError("--triage-window must be at least 1") }
    }

    func offeredRates() -> [Double] {
        rates.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
    }

    func run() async throws {
        let targets = try target.map(MarketTarget.init(argument:))
        let load = MarketLoad(count: count, stepSeconds: stepSeconds, settle: settle, lateAfter: lateAfter, invalidEvery: invalidEvery,
                              image: image, refusedImage: refusedImage, cpu: cpu, memory: memory, durationSeconds: duration, bidMsats: bid)
        // The rate steps publish without waiting for answers: the pool must hold their requests pending.
        var configuration = RelayPoolConfiguration()
        configuration.connection.maxPendingPublishes = 100_000
        let pool = try RelayPool(relays: relay, configuration: configuration)
        let answers = MarketAnswers()
        let stream = try pool.subscribe([Filter(authors: targets.map(\.pubkey.hex), kinds: [6900, 7000],
                                                since: NostrEvent.currentTimestamp() - 5)])
        let running = Task { try await pool.run() }
        let listening = Task {
            let clock = ContinuousClock()
            for await case let .event(event, _) in stream { answers.received(event, at: clock.now) }
        }
        defer {
            listening.cancel()
            running.cancel()
        }
        try await waitForConnection(pool)
        if !json { print(MarketTable.header) }
        for rate in offeredRates() {
            for provider in targets {
                let step = MarketStep(pool: pool, answers: answers, provider: provider, load: load)
                let result = try await step.run(rate: rate) { FileHandle.standardError.write(Data("bench: \($0)\n".utf8)) }
                try emit(result)
                try await Task.sleep(for: .seconds(rest))
            }
            if let lnbitsUrl, let lnbitsInvoiceKey {
                let valid = (0..<load.requestCount(rate: rate)).filter { !load.mustRefuse(index: $0) }.count
                FileHandle.standardError.write(Data("bench: LNbits alone: \(valid) invoices at \(rate)/s\n".utf8))
                let step = WalletStep(wallet: LNbitsWallet(baseURL: lnbitsUrl, invoiceKey: lnbitsInvoiceKey), count: valid)
                let (latency, failures) = await step.run(rate: rate * Double(valid) / Double(max(1, load.requestCount(rate: rate))))
                let result = MarketStepResult(
                    provider: "LNbits alone", offeredRate: rate, sent: valid, unsent: 0, sendSeconds: 0, onTime: valid - failures, late: 0,
                    dropped: failures, unexpected: [], bid: LatencySummary([]), paymentRequired: latency, refusal: LatencySummary([]), usage: nil)
                try emit(result)
                try await Task.sleep(for: .seconds(rest))
            }
        }
        try await triageAll(targets, pool: pool, answers: answers, load: load)
    }

    private func triageAll(_ targets: [MarketTarget], pool: RelayPool, answers: MarketAnswers, load: MarketLoad) async throws {
        guard triage > 0 else { return }
        FileHandle.standardError.write(Data("bench: the raw BIP-340 verify rate on one core…\n".utf8))
        let raw = try TriageStep.rawVerifyRate()
        FileHandle.standardError.write(Data("bench: the refusal path's stages in this process…\n".utf8))
        let stages = try TriageStages.measure(load: load, provider: SecretKey.generate())
        if !json { print("\n" + TriageTable.header) }
        for provider in targets where provider.pid != nil {
            FileHandle.standardError.write(Data("bench: \(provider.label): \(triage) requests to refuse, \(triageWindow) unanswered at most\n".utf8))
            let step = TriageStep(pool: pool, answers: answers, provider: provider, load: load)
            guard let result = try await step.run(count: triage, window: triageWindow, timeout: lateAfter, settle: max(settle, 30),
                                                    rawVerifyPerSecond: raw) else { continue }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(TriageTable.row(result))
            }
            try await Task.sleep(for: .seconds(rest))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            print(String(decoding: try encoder.encode(stages), as: UTF8.self))
        } else {
            print("\n" + stages.table(rawVerifyPerSecond: raw))
        }
    }

    private func emit(_ result: MarketStepResult) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(MarketTable.row(result))
        }
    }

    private func waitForConnection(_ pool: RelayPool) async throws {
        for _ in 0..<100 {
            if pool.health().relays.values.contains(where: { $0.state == .connected }) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw MarketLoadError("could not connect to \(relay.joined(separator: ", ")) within 10 s: is the relay running?")
    }
}

/// The human table: one line per provider and rate; latencies in milliseconds.
enum MarketTable {
    static let header = [
        pad("rate/s", 7), pad("provider", 13, left: true), pad("sent", 6), pad("send s", 7), pad("on time", 8), pad("late", 5), pad("dropped", 8),
        pad("bid p50", 8), pad("p90", 7), pad("p99", 7), pad("max", 7),
        pad("7000 p50", 9), pad("p90", 7), pad("p99", 7), pad("max", 7),
        pad("refuse p50", 11), pad("p99", 7), pad("CPU", 6), pad("RSS MB", 7),
    ].joined()

    static func row(_ result: MarketStepResult) -> String {
        func ms(_ value: Double?, _ width: Int) -> String { pad(value.map { String(format: "%.1f", $0) } ?? "-", width) }
        var cells = [
            pad(String(format: "%g", result.offeredRate), 7), pad(result.provider, 13, left: true), pad(String(result.sent), 6),
            pad(String(format: "%.1f", result.sendSeconds), 7), pad(String(result.onTime), 8), pad(String(result.late), 5), pad(String(result.dropped), 8),
            ms(result.bid.p50, 8), ms(result.bid.p90, 7), ms(result.bid.p99, 7), ms(result.bid.max, 7),
            ms(result.paymentRequired.p50, 9), ms(result.paymentRequired.p90, 7), ms(result.paymentRequired.p99, 7), ms(result.paymentRequired.max, 7),
            ms(result.refusal.p50, 11), ms(result.refusal.p99, 7),
            pad(result.usage.map { String(format: "%.0f%%", $0.cpuCores * 100) } ?? "-", 6),
            pad(result.usage.map { String($0.maxRSSBytes / 1_048_576) } ?? "-", 7),
        ].joined()
        if result.unsent > 0 { cells += "  \(result.unsent) not accepted by the relay" }
        if !result.unexpected.isEmpty { cells += "  unexpected: " + result.unexpected.joined(separator: ", ") }
        return cells
    }

    private static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(1, width - text.count))
        return left ? " " + text + String(fill.dropFirst()) : fill + text
    }
}

/// Refusals per CPU-second beside the raw verify rate.
enum TriageTable {
    static let header = "provider       sent  refused   CPU s   wall s   refused/CPU-s   raw verify/s (1 core)   ratio"

    static func row(_ result: TriageResult) -> String {
        let ratio = result.rawVerifyPerSecond > 0 ? result.perCPUSecond / result.rawVerifyPerSecond : 0
        return String(format: "%-13@ %5d  %7d  %6.2f  %7.2f  %14.0f  %22.0f  %5.1f%%", result.provider as NSString, result.sent, result.refused,
                      result.cpuSeconds, result.wallSeconds, result.perCPUSecond, result.rawVerifyPerSecond, ratio * 100)
    }
}
