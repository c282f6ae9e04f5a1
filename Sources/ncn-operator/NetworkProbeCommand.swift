import ArgumentParser
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import OperatorApp

/// The two ends of the operator's NetworkPolicy self-test, run in Pods from the operator's own
/// image (it has no shell or tools to do it otherwise).
struct NetworkProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network-probe",
        abstract: "The NetworkPolicy self-test's server and client (run by the operator in Pods, not by hand).",
        discussion: """
            At start-up the operator runs `network-probe serve` in one Pod and `network-probe connect` in another, \
            before and after a deny-all NetworkPolicy selects the server, to find out whether the cluster enforces \
            NetworkPolicy (see ncn_networkpolicy_enforced).

            Examples:
              ncn-operator network-probe serve --port 8080
              ncn-operator network-probe connect --host 10.244.1.7 --port 8080 --timeout 5s
            """,
        subcommands: [Serve.self, Connect.self])

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Answer HTTP on a port until stopped.")

        @Option(help: "The TCP port to listen on.")
        var port = 8080

        func run() async throws {
            let router = Router()
            router.get("/") { _, _ in "ncn network probe\n" }
            let app = HealthServer.application(router: router, host: "0.0.0.0", port: port, logger: Logger(label: "ncn.network-probe"))
            try await app.runService()
        }
    }

    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a TCP connection; exit 0 when it opens, 1 when it is refused or times out.")

        @Option(help: "The address to connect to.")
        var host: String

        @Option(help: "The TCP port.")
        var port = 8080

        @Option(help: "How long to wait for the connection (e.g. 5s).")
        var timeout: DurationArgument = .init(.seconds(5))

        func run() async throws {
            let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(Int64(timeout.value.components.seconds * 1000 + timeout.value.components.attoseconds / 1_000_000_000_000_000)))
            do {
                let channel = try await bootstrap.connect(host: host, port: port).get()
                try? await channel.close()
                print("connected to \(host):\(port)")
            } catch {
                print("could not connect to \(host):\(port): \(error)")
                throw ExitCode(1)
            }
        }
    }
}
