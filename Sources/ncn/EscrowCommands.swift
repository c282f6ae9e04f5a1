import ArgumentParser
import Billing
import Foundation
import NostrBridge
import Tenant

/// The tranche of `requestID` a command acts on: the one named, or the only one the wallet holds.
private func chosenTranche(_ requestID: String, _ number: Int?, wallet: CashuWallet) async throws -> EscrowTranche {
    let all = try await wallet.store.withLock { EscrowTranche.all(of: requestID, in: try wallet.store.load()) }
    guard !all.isEmpty else {
        throw TenantError(.request, "the wallet holds no escrowed tranche of \(requestID): escrow is paid by `ncn run --escrow`, and a tranche "
            + "already released, decided or taken back is no longer here")
    }
    if let number {
        guard let found = all.first(where: { $0.tranche == number }) else {
            throw TenantError(.request, "the wallet holds tranches \(all.map { String($0.tranche) }.joined(separator: ", ")) of \(requestID), not \(number)")
        }
        return found
    }
    guard all.count == 1 else {
        throw TenantError(.request, "the wallet holds tranches \(all.map { String($0.tranche) }.joined(separator: ", ")) of \(requestID): choose one with --tranche")
    }
    return all[0]
}

struct DisputeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispute",
        abstract: "Take an escrowed tranche to its arbitrator (a kind 7900 escrow-dispute, draft §7.7).",
        discussion: """
            For a lease paid into escrow: instead of releasing the tranche, ask the arbitrator \
            the request named to decide. The dispute carries the tranche's proof secrets (they \
            spend nothing alone) and any events you offer as evidence. Dispute before the \
            tranche's paid-until plus half the provider's dispute window. When the arbitrator \
            decides for you, `ncn reclaim` takes the ecash back.

            Examples:
              ncn dispute 5c1f…e9 --reason "the endpoint never answered"
              ncn dispute 5c1f…e9 --tranche 2 --reason "stopped after 10 minutes" --evidence 9a0b…77
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: "The request id (64 hex digits), as ncn run printed it.") var id: String
    @Option(help: "What went wrong, for the arbitrator (public).") var reason: String
    @Option(help: "The tranche to dispute, when the wallet holds several.") var tranche: Int?
    @Option(help: "An event id offered as evidence (repeatable).") var evidence: [String] = []

    func run() async throws {
        let output = common.output
        do {
            let requestID = try checkedID(id)
            let evidence = try self.evidence.map { (text) throws(TenantError) in try checkedID(text) }
            let key = try common.key()
            let pool = try common.pool()
            let wallet = CashuWallet(paths: common.paths)
            let chosen = try await chosenTranche(requestID, tranche, wallet: wallet)
            let (event, relays) = try await whileRunning([{ try await pool.run() }]) {
                try await EscrowDispute(key: key, pool: pool).dispute(chosen, reason: reason, evidence: evidence)
            }
            output.say("disputed tranche \(chosen.tranche) of \(requestID) (\(chosen.amount) \(chosen.unit)) before arbitrator \(NIP19.encodeNpub(chosen.lock.arbitrator))\n"
                       + "event \(event.id) on \(relays.count) relay\(relays.count == 1 ? "" : "s"); run `ncn reclaim \(requestID)` once the arbitrator decided",
                       ["event": "disputed", "request": requestID, "tranche": chosen.tranche, "amount": chosen.amount, "unit": chosen.unit,
                        "arbitrator": chosen.lock.arbitrator.hex, "dispute": event.id, "relays": relays, "locktime": chosen.lock.locktime])
        } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
    }
}

struct ReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release an escrowed tranche to the provider (a kind 7901 encrypted to it, draft §7.7).",
        discussion: """
            `ncn run --escrow` releases each tranche once its time was served. This does it by \
            hand, for a tranche it did not release (ncn stopped early, or you changed your mind \
            about a dispute): your signature on every proof of the tranche, for the provider alone.

            Examples:
              ncn release 5c1f…e9
              ncn release 5c1f…e9 --tranche 2
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: "The request id (64 hex digits).") var id: String
    @Option(help: "The tranche, when the wallet holds several.") var tranche: Int?

    func run() async throws {
        let output = common.output
        do {
            let requestID = try checkedID(id)
            let key = try common.key()
            let pool = try common.pool()
            let wallet = CashuWallet(paths: common.paths)
            let chosen = try await chosenTranche(requestID, tranche, wallet: wallet)
            guard let provider = chosen.provider else {
                throw TenantError(.request, "the wallet did not record which provider tranche \(chosen.tranche) paid")
            }
            let event = try await whileRunning([{ try await pool.run() }]) {
                try await EscrowRelease(key: key, pool: pool, wallet: wallet).release(chosen, provider: provider)
            }
            output.say("released tranche \(chosen.tranche) of \(requestID) (\(chosen.amount) \(chosen.unit)) to \(Format.short(provider)); event \(event.id)",
                       ["event": "released", "request": requestID, "tranche": chosen.tranche, "amount": chosen.amount, "unit": chosen.unit,
                        "provider": provider, "release": event.id])
        } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
    }
}

struct ReclaimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reclaim",
        abstract: "Take an escrowed tranche back into the wallet: with the arbitrator's decision, or alone after its locktime.",
        discussion: """
            Looks for the decision of the arbitrator the tranche is locked to (a kind 7901 \
            encrypted to you; decisions from any other key are ignored), adds your signature and \
            swaps the tranche into fresh ecash at its mint. Without a decision it works only \
            after the tranche's locktime, when the mint lets you take it back alone.

            Examples:
              ncn reclaim 5c1f…e9
              ncn reclaim 5c1f…e9 --tranche 2 --json
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: "The request id (64 hex digits).") var id: String
    @Option(help: "The tranche, when the wallet holds several.") var tranche: Int?

    func run() async throws {
        let output = common.output
        do {
            let requestID = try checkedID(id)
            let key = try common.key()
            let pool = try common.pool()
            let wallet = CashuWallet(paths: common.paths)
            let chosen = try await chosenTranche(requestID, tranche, wallet: wallet)
            let (amount, how) = try await whileRunning([{ try await pool.run() }]) {
                try await EscrowDispute(key: key, pool: pool).reclaim(chosen, wallet: wallet)
            }
            output.say("took back \(amount) \(chosen.unit) of tranche \(chosen.tranche) \(how); it is in the wallet at \(chosen.mint)",
                       ["event": "reclaimed", "request": requestID, "tranche": chosen.tranche, "amount": amount, "unit": chosen.unit, "mint": chosen.mint, "how": how])
        } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
    }
}

struct ArbitrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbitrate",
        abstract: "Decide escrow disputes addressed to your key (draft §7.7).",
        discussion: """
            For arbitrators: a tenant's dispute or a provider's claim names your key. `list` shows \
            the open ones, `show` the evidence (the request, every answer of the provider, ratings \
            and reports, the events offered), `decide` signs the tranche's proofs for the winner \
            alone (encrypted to it) and publishes the decision. Decide once, before the locktime.

            Examples:
              ncn arbitrate list
              ncn arbitrate show 8d2e…41
              ncn arbitrate decide 8d2e…41 --for tenant --reason "the provider's own answers show it never ran"
            """,
        subcommands: [List.self, Show.self, Decide.self],
        defaultSubcommand: List.self)

    static func find(_ id: String, _ arbitration: EscrowArbitration) async throws -> ArbitrationCase {
        guard let found = try await arbitration.cases().first(where: { $0.event.id == id }) else {
            throw TenantError(.request, "no escrow dispute or claim \(id) names your key on these relays: see `ncn arbitrate list`")
        }
        return found
    }

    static func object(_ found: ArbitrationCase) -> [String: Any] {
        ["case": found.event.id, "category": found.report.category.rawValue, "request": found.report.requestID, "tranche": found.report.tranche,
         "tenant": found.tenant, "provider": found.provider, "text": found.report.text, "proofs": found.report.secrets.count,
         "mint": found.report.mint, "locktime": found.locktime, "decided": found.decision.map { $0.recipient == found.tenant ? "tenant" : "provider" } ?? NSNull()]
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The disputes and claims that name your key, newest first.",
            discussion: """
                Reads kind 7900 escrow reports that name your key as arbitrator, keeps those whose \
                proofs are locked to you and to the report's tenant, and shows each with whether you \
                decided it.

                Examples:
                  ncn arbitrate list
                  ncn arbitrate list --all --json
                """)
        @OptionGroup var common: CommonOptions
        @Flag(help: "Also those you decided.") var all = false

        func run() async throws {
            let output = common.output
            do {
                let key = try common.key()
                let pool = try common.pool()
                let cases = try await whileRunning([{ try await pool.run() }]) { try await EscrowArbitration(key: key, pool: pool).cases() }
                let shown = cases.filter { all || $0.decision == nil }
                if shown.isEmpty { output.say("no open escrow cases name your key", ["event": "cases", "cases": [Any]()]) }
                for found in shown {
                    let state = found.decision.map { "decided for the \($0.recipient == found.tenant ? "tenant" : "provider")" } ?? "open"
                    output.say("\(found.event.id)  \(found.report.category.rawValue)  request \(Format.short(found.report.requestID)) tranche \(found.report.tranche)  "
                               + "\(found.report.secrets.count) proofs  \(state)\n  \(found.report.text)", Self.object(found))
                }
            } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
        }

        static func object(_ found: ArbitrationCase) -> [String: Any] { ["event": "case"].merging(ArbitrateCommand.object(found)) { first, _ in first } }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One case with its evidence, oldest event first.",
            discussion: """
                The report, then every event the relays hold about its request (the request, the \
                provider's answers, ratings, reports, decisions) and the events offered as evidence, \
                each with who wrote it.

                Examples:
                  ncn arbitrate show 8d2e…41
                  ncn arbitrate show 8d2e…41 --json
                """)
        @OptionGroup var common: CommonOptions
        @Argument(help: "The dispute or claim event id.") var id: String

        func run() async throws {
            let output = common.output
            do {
                let caseID = try checkedID(id)
                let key = try common.key()
                let pool = try common.pool()
                let (found, evidence) = try await whileRunning([{ try await pool.run() }]) { () async throws -> (ArbitrationCase, [NostrEvent]) in
                    let arbitration = EscrowArbitration(key: key, pool: pool)
                    let found = try await ArbitrateCommand.find(caseID, arbitration)
                    return (found, try await arbitration.evidence(for: found))
                }
                output.say("\(found.report.category.rawValue) by \(Format.short(found.event.pubkey)) about request \(found.report.requestID) tranche \(found.report.tranche)\n"
                           + "tenant \(Format.short(found.tenant)), provider \(Format.short(found.provider)); locktime \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(found.locktime))))\n"
                           + "\(found.report.text)", ["event": "case"].merging(ArbitrateCommand.object(found)) { first, _ in first })
                for event in evidence {
                    let who = event.pubkey == found.tenant ? "tenant" : event.pubkey == found.provider ? "provider" : Format.short(event.pubkey)
                    let gist = event.firstTagValue("status") ?? event.tags.first { $0.first == "report" }.map { $0.dropFirst().joined(separator: ": ") } ?? ""
                    output.say("  \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(event.createdAt))))  kind \(event.kind)  \(who)  \(gist)  \(event.id)",
                               ["event": "evidence", "id": event.id, "kind": event.kind, "author": event.pubkey, "role": who, "created_at": event.createdAt,
                                "tags": event.tags, "offered": found.report.evidence.contains(event.id)])
                }
            } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
        }
    }

    struct Decide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign the tranche for the winner alone and publish the decision (kind 7901).",
            discussion: """
                Your signature on every proof of the tranche, encrypted to the winner: with its own \
                signature it swaps the tranche. Once per case and before the tranche's locktime; a \
                second decision is refused, since it would hand both sides a signature.

                Examples:
                  ncn arbitrate decide 8d2e…41 --for tenant --reason "no running answer was ever published"
                  ncn arbitrate decide 8d2e…41 --for provider --reason "served in full; the tenant is silent"
                """)
        @OptionGroup var common: CommonOptions
        @Argument(help: "The dispute or claim event id.") var id: String
        @Option(name: .customLong("for"), help: "tenant or provider.") var winner: String
        @Option(help: "Why, for both sides and everyone weighing your decisions (public).") var reason: String

        func run() async throws {
            let output = common.output
            do {
                let caseID = try checkedID(id)
                guard winner == "tenant" || winner == "provider" else { throw TenantError(.request, "--for takes tenant or provider, not \(winner)") }
                let key = try common.key()
                let pool = try common.pool()
                let (found, decided) = try await whileRunning([{ try await pool.run() }]) { () async throws -> (ArbitrationCase, (event: NostrEvent, relays: [String])) in
                    let arbitration = EscrowArbitration(key: key, pool: pool)
                    let found = try await ArbitrateCommand.find(caseID, arbitration)
                    return (found, try await arbitration.decide(found, forTenant: winner == "tenant", reason: reason))
                }
                output.say("decided \(caseID) for the \(winner) (\(found.report.secrets.count) proofs signed, encrypted to it)\nevent \(decided.event.id) on \(decided.relays.count) relay\(decided.relays.count == 1 ? "" : "s")",
                           ["event": "decided", "case": caseID, "winner": winner, "decision": decided.event.id, "relays": decided.relays,
                            "request": found.report.requestID, "tranche": found.report.tranche])
            } catch let exit as ExitCode { throw exit } catch { throw output.fail(error).code }
        }
    }
}
