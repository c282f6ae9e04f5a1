import ArgumentParser
import Billing
import Foundation
import Tenant

struct WalletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet",
        abstract: "The tenant's own Cashu wallet: balances, receive a token, mint over NWC, send a token.",
        discussion: """
            The ecash is kept in $XDG_CONFIG_HOME/ncn/cashu-wallet.json (default ~/.config/ncn), \
            mode 600, written whole to a temporary file, fsync'd and renamed, so a crash leaves the \
            old wallet or the new one. It is money: back it up, and never edit it by hand. Every \
            exchange with a mint is recorded in the file before the mint sees it, and every wallet \
            command first finishes what an earlier one left unfinished (the mint is asked where \
            the ecash stands and, if it signed, its signatures are restored). `ncn run --pay cashu` \
            pays each tranche from this wallet with a nutzap locked to the provider.

            Examples:
              ncn wallet mint 5000 --mint https://mint.example --nwc "$NWC"
              ncn wallet receive cashuB…
              pbpaste | ncn wallet receive
              ncn wallet balance --json
              ncn wallet send 100 --mint https://mint.example > token.txt
            """,
        subcommands: [Balance.self, Receive.self, Mint.self, Send.self]
    )

    /// Finishes interrupted exchanges and says what changed.
    static func recover(_ wallet: CashuWallet, _ output: Output) async throws {
        for note in try await wallet.recover() {
            output.say("wallet: \(note)", ["event": "recovered", "note": note])
        }
    }

    struct Balance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What the wallet holds, per mint (after finishing any interrupted exchange).",
            discussion: "Examples:\n  ncn wallet balance\n  ncn wallet balance --json")

        @Flag(help: "Print JSON (one object per line).") var json = false

        func run() async throws {
            let output = Output(json: json)
            do {
                let wallet = CashuWallet(paths: TenantPaths())
                try await WalletCommand.recover(wallet, output)
                let balances = try await wallet.balances()
                if balances.isEmpty {
                    output.say("the wallet is empty: add ecash with `ncn wallet mint AMOUNT --mint URL` or `ncn wallet receive TOKEN`",
                               ["event": "balance", "mints": [[String: Any]](), "file": wallet.store.file.path])
                    return
                }
                var lines: [String] = []
                for balance in balances {
                    var line = "\(balance.mint): \(balance.spendable) \(balance.unit) in \(balance.proofs) proof\(balance.proofs == 1 ? "" : "s")"
                    if balance.inFlight > 0 { line += "; \(balance.inFlight) \(balance.unit) in an unfinished exchange" }
                    if balance.outstanding > 0 { line += "; \(balance.outstanding) \(balance.unit) sent, not yet redeemed" }
                    lines.append(line)
                }
                output.say(lines.joined(separator: "\n"), [
                    "event": "balance", "file": wallet.store.file.path,
                    "mints": balances.map { ["mint": $0.mint, "unit": $0.unit, "amount": $0.spendable, "proofs": $0.proofs,
                                             "in_flight": $0.inFlight, "outstanding": $0.outstanding] as [String: Any] },
                ])
            } catch { throw output.fail(error).code }
        }
    }

    struct Receive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Swap a Cashu token into fresh ecash of this wallet, so its sender can no longer spend it.",
            discussion: """
                The token is read from the argument, or from stdin when it is - or left out (argv is \
                visible to other users in ps; stdin is not).

                Examples:
                  ncn wallet receive cashuBo2F0gaJhaU…
                  ncn wallet receive < token.txt
                """)

        @Argument(help: "The token (cashuA… or cashuB…); - or nothing reads stdin.") var token: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let output = Output(json: json)
            do {
                var text = token ?? "-"
                if text == "-" { text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
                guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw TenantError(.request, "no token: pass it as the argument or pipe it in, e.g. ncn wallet receive < token.txt")
                }
                let wallet = CashuWallet(paths: TenantPaths())
                try await WalletCommand.recover(wallet, output)
                let received = try await wallet.receive(text)
                output.say("received \(received.amount) \(received.unit) at \(received.mint)\(received.fee > 0 ? " (the mint took \(received.fee) \(received.unit) in fees)" : "")",
                           ["event": "received", "mint": received.mint, "unit": received.unit, "amount": received.amount, "fee": received.fee])
            } catch { throw output.fail(error).code }
        }
    }

    struct Mint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Buy ecash: ask the mint for an invoice (NUT-04), pay it over NWC, and mint.",
            discussion: """
                The invoice is checked to ask exactly AMOUNT before it is paid. The outputs are \
                recorded before paying, so if ncn stops after paying, any later ncn wallet command \
                mints what was paid for.

                Examples:
                  ncn wallet mint 5000 --mint https://mint.example --nwc "$NWC"
                  NCN_NWC=nostr+walletconnect://… ncn wallet mint 200 --mint https://mint.example --json
                """)

        @Argument(help: "How much to mint, in the unit (sat by default).") var amount: UInt64
        @Option(help: "The mint's URL.") var mint: String
        @Option(help: "The unit: sat or msat.") var unit = "sat"
        @Option(help: "The NIP-47 wallet URI (nostr+walletconnect://…) that pays; default NCN_NWC.") var nwc: String?
        @Option(help: "Seconds to wait for the mint to see the payment.") var wait = 120
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let output = Output(json: json)
            do {
                guard let text = nwc ?? ProcessInfo.processInfo.environment["NCN_NWC"], !text.isEmpty else {
                    throw TenantError(.setup, "no wallet to pay the mint: pass --nwc nostr+walletconnect://… (with pay_invoice allowed) or set NCN_NWC")
                }
                let uri: NWCConnectionURI
                do { uri = try NWCConnectionURI(parsing: text) } catch {
                    throw TenantError(.setup, "the NWC URI does not parse (\(error)): copy it again from your wallet")
                }
                Logs.setUp()
                let nwcWallet: NWCWallet
                do { nwcWallet = try NWCWallet(uri: uri) } catch { throw TenantError(.setup, "the NWC wallet cannot be used: \(error)") }
                let wallet = CashuWallet(paths: TenantPaths())
                let amount = self.amount, mint = self.mint, unit = self.unit, wait = self.wait
                let minted = try await whileRunning([{ try await nwcWallet.run() }]) {
                    try await WalletCommand.recover(wallet, output)
                    return try await wallet.mint(amount: amount, at: mint, unit: unit, payer: NWCPayer(wallet: nwcWallet), wait: .seconds(wait)) { step in
                        switch step {
                        case let .quote(id, _, amount):
                            output.say("quote \(id) for \(amount) \(unit) at \(mint)", ["event": "quote", "quote": id, "amount": amount, "mint": mint])
                        case .paying:
                            output.say("paying the mint's invoice by NWC", ["event": "paying"])
                        case .waiting:
                            break
                        }
                    }
                }
                output.say("minted \(minted) \(unit) at \(CashuMintURL.normalize(mint))",
                           ["event": "minted", "amount": minted, "unit": unit, "mint": CashuMintURL.normalize(mint)])
            } catch { throw output.fail(error).code }
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a token worth AMOUNT (with DLEQ proofs) for someone else to receive.",
            discussion: """
                The token is ecash: whoever has it can spend it. The wallet keeps a record of it \
                (shown as "sent, not yet redeemed") until the mint shows it spent.

                Examples:
                  ncn wallet send 100 > token.txt
                  ncn wallet send 21 --mint https://mint.example --json
                """)

        @Argument(help: "How much, in the unit (sat by default).") var amount: UInt64
        @Option(help: "The mint to pay from (default: the only one, or the one holding the most).") var mint: String?
        @Option(help: "The unit: sat or msat.") var unit = "sat"
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let output = Output(json: json)
            do {
                let wallet = CashuWallet(paths: TenantPaths())
                try await WalletCommand.recover(wallet, output)
                let chosen: String
                if let mint { chosen = mint } else {
                    guard let richest = try await wallet.balances().filter({ $0.unit == unit }).max(by: { $0.spendable < $1.spendable }) else {
                        throw TenantError(.payment, "the wallet holds no \(unit): add some with `ncn wallet mint AMOUNT --mint URL`")
                    }
                    chosen = richest.mint
                }
                let operation = try await wallet.spend(amount, mint: chosen, unit: unit, kind: .send)
                let token = CashuToken(mint: operation.mint, unit: operation.unit, proofs: operation.outgoing).encodedV4()
                output.say(token, ["event": "token", "token": token, "amount": operation.outgoingAmount, "unit": operation.unit, "mint": operation.mint])
                try await wallet.delivered(operation.id)
            } catch { throw output.fail(error).code }
        }
    }
}
