import ArgumentParser
import Foundation
import KubeClient
import Logging
import Metrics
import Operator
import OperatorApp
import Prometheus
import ServiceLifecycle

@main
struct StewardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ncn-steward",
        abstract: "Grant ncn-operator write rights inside each lease namespace, and nowhere else.",
        discussion: """
            ncn-operator reads Nostr from the internet, so its ClusterRole lets it read, and create namespaces, but \
            not write Pods, Services, Secrets, NetworkPolicies or quotas anywhere, nor relabel or delete a namespace. \
            This steward, which talks to nothing but the apiserver, watches for namespaces named ncn-lease-<lease> \
            that carry the label ncn.dev/lease=<lease> and binds the ClusterRole ncn-operator-lease-namespace to the \
            operator's ServiceAccount in each (RoleBinding "ncn-operator"). The operator cannot put that label on a \
            namespace it did not create, so it can never grant itself kube-system or a provider's own namespaces. \
            A deleted or edited binding is put back; the namespace's deletion takes its binding along.

            It runs as its own Deployment with its own ServiceAccount (manifests/50-steward.yaml). In a pod it uses \
            that ServiceAccount; elsewhere --kubeconfig, $KUBECONFIG or ~/.kube/config.

            Examples:
              ncn-steward                                   # in the cluster, as installed by manifests/
              ncn-steward --kubeconfig steward.kubeconfig --health-probe-bind-address 127.0.0.1:18081
            """)

    @Option(help: "A kubeconfig file; default: in-cluster, else $KUBECONFIG, else ~/.kube/config.")
    var kubeconfig: String?

    @Option(help: "The operator's ServiceAccount, which the bindings name.")
    var operatorServiceAccount = "ncn-operator"

    @Option(help: "The operator's namespace; default: $POD_NAMESPACE, else ncn-system.")
    var operatorNamespace: String?

    @Option(help: "Address for /healthz, /readyz and /metrics, as [host]:port.")
    var healthProbeBindAddress = ":8081"

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Flag(help: "Exit when the process that started this one exits (for test harnesses and supervisors).")
    var exitWithParent = false

    func validate() throws {
        do { _ = try ListenAddress(healthProbeBindAddress) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        let registry = ProcessSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "ncn.steward")
        let connection: ClusterConnection
        do {
            connection = try ProcessSetup.connection(kubeconfig: kubeconfig)
        } catch {
            throw ValidationError("cannot connect to a cluster: \(error)")
        }
        let client = try KubernetesClient(connection: connection, logger: Logger(label: "ncn.kube"))
        var options = NamespaceSteward.Options()
        options.grant = NamespaceGrant(
            serviceAccount: operatorServiceAccount,
            serviceAccountNamespace: operatorNamespace ?? ProcessInfo.processInfo.environment["POD_NAMESPACE"] ?? "ncn-system")
        let steward = NamespaceSteward(client: client, options: options, logger: logger)
        let health = HealthServer(registry: registry, readiness: {
            .init(ready: steward.isSynced, detail: steward.isSynced ? "namespaces listed" : "listing namespaces")
        })
        let address = try ListenAddress(healthProbeBindAddress)
        var services: [any ServiceLifecycle.Service] = [
            StewardService(steward: steward),
            HealthServer.application(router: health.healthRouter(), host: address.host, port: address.port, logger: logger),
        ]
        if exitWithParent { services.append(ParentWatch(parent: getppid())) }
        logger.info("starting", metadata: [
            "apiserver": "\(connection.server)", "grantee": "\(options.grant.serviceAccountNamespace)/\(options.grant.serviceAccount)",
        ])
        defer { logger.info("stopped") }
        try await ProcessSetup.run(services.map { .init(service: $0) }, client: client, logger: logger)
    }
}

struct StewardService: ServiceLifecycle.Service {
    let steward: NamespaceSteward
    func run() async throws {
        try await cancelWhenGracefulShutdown { try await steward.run() }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
