import ArgumentParser

@main
struct NCN: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ncn",
        abstract: "Rent containers from Nostr compute providers and pay for them in bitcoin.",
        discussion: """
            ncn is the tenant's side of the compute market (docs/nip-compute.md): it finds offers, \
            ranks providers by price and by ratings from people you follow, rents a container, \
            pays each tranche over Nostr Wallet Connect after checking it, and cancels on Ctrl-C.

            Examples:
              ncn key generate
              ncn offers --relay wss://relay.example --gpus 1 --gpu-model NVIDIA-H100-80GB-HBM3
              ncn run docker.io/library/busybox:1.36 --cpu 500m --memory 256Mi --duration 1h --nwc "$NWC"
              ncn status 5c1f…e9 --json
              ncn wallet mint 5000 --mint https://mint.example --nwc "$NWC"
              ncn logs 5c1f…e9 --follow
              ncn ls
              ncn watch 5c1f…e9 --nwc "$NWC"
              ncn rate 5c1f…e9 --stars 5 --uptime 0.998
              ncn run busybox --cpu 1 --memory 1Gi --pay cashu --escrow npub1…   # escrow with an arbitrator
              ncn dispute 5c1f…e9 --reason "never served"; ncn reclaim 5c1f…e9
              ncn arbitrate list

            Environment:
              NCN_KEY          the tenant key (nsec or hex) instead of the key file
              NCN_RELAYS       relays, comma-separated, when --relay is not given
              NCN_NWC          the NIP-47 wallet URI, when --nwc is not given
              XDG_CONFIG_HOME  the key file and config.json live in $XDG_CONFIG_HOME/ncn (~/.config/ncn)

            \(ExitStatus.table)
            """,
        subcommands: [KeyCommand.self, OffersCommand.self, RunCommand.self, WatchCommand.self, LsCommand.self, StatusCommand.self, CancelCommand.self, LogsCommand.self, RateCommand.self, WalletCommand.self,
                      ReleaseCommand.self, DisputeCommand.self, ReclaimCommand.self, ArbitrateCommand.self]
    )
}
