import ArgumentParser
import Foundation
import NostrBridge
import Tenant

struct OffersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offers",
        abstract: "List live provider offers that fit a job, ranked by price and reputation.",
        discussion: """
            Reads kind 31900 offers, drops expired ones and those without room for the job, then \
            ranks by the price of the job per hour weighed by the provider's reputation: kind 7900 \
            ratings, counted fully from you and the people you follow (kind 3), a quarter from \
            whom they follow, and barely (2%) from strangers; a rating whose request never got a \
            6900 from that provider counts a tenth. "score" is 1-5 stars starting from 3.

            Examples:
              ncn offers
              ncn offers --gpus 1 --gpu-model NVIDIA-H100-80GB-HBM3 --max-price 5000000
              ncn offers --cpu 2 --memory 8Gi --json | jq '.[0].provider'
              ncn offers --category inference   # also offers that take only some workload categories
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "CPU of the job, for the price and the fit.") var cpu = "1"
    @Option(help: "Memory of the job.") var memory = "1Gi"
    @Option(help: "Whole GPUs.") var gpus = 0
    @Option(name: .customLong("gpu-model"), help: "GPU model, as providers label it.") var gpuModel: String?
    @Option(name: .customLong("max-price"), help: "The most the job may cost per hour, in msats.") var maxPrice: Int64?
    @Option(help: "The job's workload category: offers listing categories are left out unless they list this one.") var category: String?
    @Flag(help: "Also list offers left out, with why.") var all = false

    func run() async throws {
        let output = common.output
        do {
            var order = LeaseOrder(image: "-", cpu: cpu, memory: memory, gpus: gpuModel != nil && gpus == 0 ? 1 : gpus, gpuModel: gpuModel,
                                   durationSeconds: 3600, maxPriceMsats: 1)
            if order.gpus == 0 { order.gpuModel = nil }
            let resources = try order.resources()
            let key = try common.key()
            let pool = try common.pool()
            let result = try await whileRunning([{ try await pool.run() }]) {
                var search = OfferSearch(resources: resources, maxMsatsPerHour: maxPrice)
                search.category = category
                return try await search.run(reader: MarketReader(pool: pool), tenant: key.publicKey.hex, now: NostrEvent.currentTimestamp())
            }
            print(result, output)
            if result.ranked.isEmpty { throw ExitStatus.noProvider.code }
        } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
    }

    private func print(_ result: OfferSearch.Result, _ output: Output) {
        if output.json {
            let rows: [[String: Any]] = result.ranked.enumerated().map { index, ranked in
                let reputation = ranked.reputation
                return [
                    "rank": index + 1, "provider": ranked.listing.provider, "npub": (try? PublicKey(hex: ranked.listing.provider).npub) ?? "",
                    "d": ranked.listing.offer.identifier, "msats_per_hour": ranked.msatsPerHour, "score": (reputation.score * 100).rounded() / 100,
                    "raters": reputation.raters, "answered": reputation.answered,
                    "raters_by_closeness": Dictionary(uniqueKeysWithValues: reputation.ratersByCloseness.map { ($0.key.rawValue, $0.value) }),
                    "interval": ranked.listing.offer.intervalSeconds, "region": ranked.listing.offer.region ?? "",
                    "categories": ranked.listing.offer.categories,
                ]
            }
            output.say("", ["offers": rows, "skipped": result.skipped.map { ["provider": $0.listing.provider, "why": $0.why] }])
            return
        }
        if result.ranked.isEmpty {
            output.say("no live offer fits this job (\(result.skipped.count) left out\(all ? "" : "; --all shows why"))", [:])
        }
        for (index, ranked) in result.ranked.enumerated() {
            let r = ranked.reputation
            let closeness = Closeness.allCases.compactMap { c in r.ratersByCloseness[c].map { "\($0) \(c.rawValue)" } }.joined(separator: ", ")
            output.say("""
                \(index + 1). \((try? PublicKey(hex: ranked.listing.provider).npub) ?? ranked.listing.provider) (\(ranked.listing.offer.identifier)\(ranked.listing.offer.region.map { ", \($0)" } ?? ""))
                   \(Format.msats(ranked.msatsPerHour))/hour, billed every \(ranked.listing.offer.intervalSeconds) s
                   score \(String(format: "%.2f", r.score)) from \(r.raters) rater\(r.raters == 1 ? "" : "s")\(r.raters > 0 ? " (\(closeness); \(r.answered) about leases it answered)" : "")
                """, [:])
        }
        if all { for skipped in result.skipped { output.say("   left out \(Format.short(skipped.listing.provider)): \(skipped.why)", [:]) } }
    }
}
