import ArgumentParser
import Billing
import Foundation
import NostrBridge
import Tenant

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Rent a container: request, pay each tranche after checking it, until the lease ends or Ctrl-C.",
        discussion: """
            The request is encrypted to the chosen provider (--provider, or the best-ranked offer \
            that fits). Every payment-required is checked before it is paid over NWC: it must come \
            from the provider that bid, ask exactly the bid's price for the next tranche, with a \
            bolt11 for that amount, and stay within --max-price. Anything else is not paid, and \
            ncn says why. Ctrl-C publishes a cancellation (kind 5), waits for the provider's \
            `terminated cancelled` and prints what was paid; a second Ctrl-C exits at once.

            Examples:
              ncn run docker.io/library/busybox:1.36 --cpu 500m --memory 256Mi --duration 30m --nwc "$NWC"
              ncn run ghcr.io/org/app:1.2 --cpu 2 --memory 8Gi --gpus 1 --gpu-model NVIDIA-H100-80GB-HBM3 \\
                  --port 8080/tcp/http --env MODE=serve --duration 2h --max-price 2000000 --provider npub1…
              NCN_NWC=nostr+walletconnect://… ncn run busybox --cpu 1 --memory 1Gi --json
              ncn run busybox --cpu 1 --memory 1Gi --duration 30m --pay cashu   # nutzaps from `ncn wallet`
              ncn run ghcr.io/org/ci-runner:3 --cpu 4 --memory 8Gi --duration 20m --category ci   # for offers listing categories
              ncn run ghcr.io/org/train:1 --cpu 8 --memory 32Gi --duration 6h --pay cashu --escrow npub1…   # escrow, §7.7

            With --escrow, every tranche is paid into escrow with that arbitrator: ecash the provider \
            can take only with your release or the arbitrator's decision, and you alone only after \
            its locktime. ncn releases each tranche once its time was served; one the provider did \
            not serve stays locked (`ncn dispute`, then `ncn reclaim`). Only providers whose offer \
            lists the arbitrator are chosen, and a bid without the escrow is not paid.
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: "The container image, e.g. docker.io/library/busybox:1.36.") var image: String
    @Option(help: "CPU: cores (\"2\", \"0.5\") or millicores (\"500m\").") var cpu: String
    @Option(help: "Memory, e.g. 512Mi or 8Gi.") var memory: String
    @Option(help: "Whole GPUs.") var gpus = 0
    @Option(name: .customLong("gpu-model"), help: "GPU model (required with --gpus).") var gpuModel: String?
    @Option(help: "Local disk, e.g. 20Gi (default: the provider's).") var disk: String?
    @Option(help: "A port to expose: PORT[/tcp|udp[/NAME]] (repeatable).") var port: [String] = []
    @Option(help: "An environment variable NAME=value (repeatable).") var env: [String] = []
    @Option(name: .customLong("secret-env"), help: "A secret variable NAME=value, sent encrypted only (repeatable).") var secretEnv: [String] = []
    @Option(help: "How long to run: seconds, or 90s, 10m, 2h, 1d.") var duration = "1h"
    @Option(help: "The workload category, e.g. inference, training, batch, web, ci: providers whose offer lists categories require one of theirs.")
    var category: String?
    @Option(name: .customLong("max-price"), help: "The most paid for the whole duration, msats (default: the chosen offer's price for it).")
    var maxPrice: Int64?
    @Option(help: "npub or hex of the provider, or auto for the best-ranked offer.") var provider = "auto"
    @Option(help: "The NIP-47 wallet URI (nostr+walletconnect://…) that pays; default NCN_NWC.") var nwc: String?
    @Option(name: .customLong("bid-wait"), help: "Seconds to wait for the bid.") var bidWait = 60
    @Option(help: "How to pay: nwc (Lightning over NWC) or cashu (nutzaps from the wallet of `ncn wallet`).") var pay = "nwc"
    @Option(help: "Pay every tranche into escrow with this arbitrator (npub or hex); needs --pay cashu.") var escrow: String?
    @Option(help: "When the lease ends, rate the provider this many stars (1-5) with the measured uptime (default: print the ncn rate command).")
    var rate: Int?

    func run() async throws {
        let output = common.output
        do {
            if let rate, !(1...5).contains(rate) { throw TenantError(.request, "--rate \(rate): give 1 to 5 stars") }
            var order = try makeOrder()
            if let escrow {
                guard pay == "cashu" else { throw TenantError(.request, "--escrow pays in Cashu ecash: add --pay cashu") }
                do { order.escrowArbitrator = try parseProvider(escrow).hex } catch {
                    throw TenantError(.request, "--escrow takes the arbitrator's npub or 64 hex digits; \(escrow) is neither")
                }
            }
            let resources = try order.resources()
            let key = try common.key()
            let pool = try common.pool()
            let payment = try RunPayment.make(pay: pay, paths: common.paths) { () throws(TenantError) in
                try nwcURI(flag: nwc, environment: common.environment)
            }
            let named = provider == "auto" ? nil : try parseProvider(provider)
            let relays = try common.relays()
            let interrupts = Interrupts.stream()
            let status = try await whileRunning([{ try await pool.run() }] + payment.services) {
                let choice = try await ProviderChoice.choose(named: named, resources: resources, category: order.category,
                                                             escrowArbitrator: order.escrowArbitrator,
                                                             durationSeconds: order.durationSeconds,
                                                             maxPrice: maxPrice, reader: MarketReader(pool: pool), tenant: key.publicKey.hex)
                output.say("provider \(choice.provider.npub): \(choice.why)",
                           ["event": "provider", "provider": choice.provider.hex, "why": choice.why, "max_price_msats": choice.maxPriceMsats])
                var priced = order
                priced.maxPriceMsats = choice.maxPriceMsats
                priced.rail = payment.rail
                var escrowTerms: CashuNutzapPayer.EscrowTerms?
                if let arbitrator = order.escrowArbitrator {
                    guard let terms = choice.offer?.escrow, terms.arbitrators.contains(arbitrator), let offer = choice.offer else {
                        throw TenantError(.noProvider, "provider \(choice.provider.npub) has no live offer that takes escrow with this arbitrator")
                    }
                    escrowTerms = CashuNutzapPayer.EscrowTerms(arbitrator: try! PublicKey(hex: arbitrator), intervalSeconds: offer.intervalSeconds,
                                                               disputeWindowSeconds: terms.disputeWindowSeconds)
                }
                var runner = payment.runner(key: key, pool: pool, escrow: escrowTerms)
                runner.bidWait = .seconds(bidWait)
                let aftercare = LeaseAftercare(output: output, paths: common.paths, image: order.image, maxPriceMsats: choice.maxPriceMsats,
                                               relays: relays, relayFlags: common.relay)
                let outcome = try await whileRunning([{ await aftercare.uptime.run() }]) {
                    try await runner.run(order: priced, provider: choice.provider, replyRelays: relays, interrupts: interrupts) { report in
                        aftercare.observe(report)
                        RunReporter(output: output, budget: choice.maxPriceMsats, rail: payment.rail).show(report)
                    }
                }
                let ended = RunReporter(output: output, budget: 0).finish(outcome)
                await aftercare.conclude(outcome, stars: rate, key: key, pool: pool)
                return ended
            }
            if status != .ok { throw status.code }
        } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
    }

    private func makeOrder() throws(TenantError) -> LeaseOrder {
        var ports: [ComputePort] = []
        for text in port { ports.append(try RunParsing.port(text)) }
        var vars: [ComputeEnvVar] = []
        for text in env { vars.append(try RunParsing.env(text)) }
        var secrets: [ComputeEnvVar] = []
        for text in secretEnv { secrets.append(try RunParsing.env(text)) }
        var order = LeaseOrder(image: image, cpu: cpu, memory: memory, gpus: gpus, gpuModel: gpuModel, disk: disk, ports: ports, env: vars,
                               secretEnv: secrets, durationSeconds: try RunParsing.duration(duration), maxPriceMsats: maxPrice ?? 1)
        if let category {
            guard ComputeCategory.isValid(category) else {
                throw TenantError(.request, "--category \(category): write lower-case letters and digits, words joined by single dashes "
                    + "(at most 32 characters), e.g. inference or ci-build")
            }
            order.category = category
        }
        return order
    }
}
