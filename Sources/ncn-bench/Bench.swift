import ArgumentParser

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ncn-bench",
        abstract: "Release-mode benchmarks of nostr-compute, each beside a reference measured in the same run.",
        discussion: """
            Run through scripts/bench, which builds in release mode and starts what each benchmark needs:
              scripts/bench                 the Nostr primitives against nostr-sdk
              scripts/bench market          the provider under load against a nostr-dvm peer, then
                                            payment → Pod without polling (ncn-bench payment)
              scripts/bench cache           the informer caches' memory per lease (no test bed needed)
            """,
        subcommands: [PrimitivesCommand.self, MarketCommand.self, PaymentCommand.self, CacheCommand.self],
        defaultSubcommand: PrimitivesCommand.self)
}
