import ArgumentParser
import ComputeAPI
import Foundation
import Hummingbird
import KubeClient
import Logging
import Metrics
import Operator
import OperatorApp
import Prometheus
import ServiceLifecycle

@main
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ncn-operator",
        abstract: "Rent this Kubernetes cluster's spare CPUs and GPUs on the Nostr Compute Network.",
        discussion: """
            Answers compute job requests (kind 5900) on the provider's relays with bids, turns paid bids into \
            ComputeLeases and tells tenants about invoices, endpoints and endings (docs/nip-compute.md). \
            Reconciles ComputeLeases into isolated workloads (a namespace per lease with its Pod, Service, \
            NetworkPolicy, ResourceQuota and LimitRange), tears them down when they end, and keeps a live \
            inventory of free capacity. Billing invoices each tranche through the provider's Lightning wallet \
            (LNbits or NWC, credentials in the provider's Secret), credits each payment once into the lease's \
            status, and a lease whose payments stop is ended after its grace period. Configuration comes from \
            the ComputeProvider named by --provider.

            In a pod it uses its ServiceAccount; elsewhere --kubeconfig, $KUBECONFIG or ~/.kube/config.

            Install: kubectl apply -f crds/ && kubectl apply -f manifests/

            /healthz and /readyz listen on --health-probe-bind-address, /metrics on --metrics-bind-address. \
            The provider's dashboard (leases, earnings, capacity and its warnings, the market) is on \
            --dashboard-bind-address, 127.0.0.1:8088 by default: kubectl -n ncn-system port-forward deploy/ncn-operator 8088, \
            then open http://127.0.0.1:8088/. \
            SIGTERM stops acting at once, releases leadership and exits.

            In a pod, a NetworkPolicy self-test runs once at start-up (two small Pods from this image on this \
            node, in this namespace): its verdict is logged and exported as ncn_networkpolicy_enforced.
            """,
        subcommands: [NetworkProbeCommand.self])

    @Option(help: "A kubeconfig file; default: in-cluster, else $KUBECONFIG, else ~/.kube/config.")
    var kubeconfig: String?

    @Option(help: "The ComputeProvider object that configures this operator.")
    var provider = ComputeProvider.defaultName

    @Option(help: "Run a leader election so that only one replica acts (true/false).")
    var leaderElect = true

    @Option(help: "Namespace of the leader-election Lease; default: $POD_NAMESPACE, else ncn-system.")
    var leaderElectionNamespace: String?

    @Option(help: "Name of the leader-election Lease.")
    var leaderElectionId = "ncn-operator"

    @Option(help: "How long a leader's claim lasts without renewal (e.g. 15s).")
    var leaderElectionLeaseDuration: DurationArgument = .init(.seconds(15))

    @Option(help: "How long the leader keeps acting without a successful renewal (e.g. 10s).")
    var leaderElectionRenewDeadline: DurationArgument = .init(.seconds(10))

    @Option(help: "How often to try to acquire or renew the Lease (e.g. 2s).")
    var leaderElectionRetryPeriod: DurationArgument = .init(.seconds(2))

    @Option(help: "Address for /healthz and /readyz, as [host]:port.")
    var healthProbeBindAddress = ":8081"

    @Option(help: "Address for /metrics, as [host]:port; the same as the health address is allowed.")
    var metricsBindAddress = ":9090"

    @Option(help: ArgumentHelp(
        "Address of the provider's dashboard (leases, earnings, capacity, the market), as [host]:port, or 'off'.",
        discussion: "Loopback by default: reach it with kubectl -n ncn-system port-forward deploy/ncn-operator 8088. Any other address needs --dashboard-token-file."))
    var dashboardBindAddress = "127.0.0.1:8088"

    @Option(help: "A file holding the dashboard's token (at least 16 characters; e.g. a Secret's key mounted as a file). Required off loopback.")
    var dashboardTokenFile: String?

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Lease reconciles that may run at once.")
    var workers = 2

    @Option(help: "Requests from relays handled at once (each waits on the apiserver, not the CPU).")
    var intakeParallelism = MarketBridge.Options().intakeParallelism

    @Option(help: "How long a bid stands unpaid before it expires and its capacity is released (e.g. 5m).")
    var bidLifetime: DurationArgument = .init(.seconds(300))

    @Option(help: "Days to keep each ended lease's record (tenant, image digest, resources, times, amounts, end reason) in ConfigMaps ncn-audit-<day>-<shard> of the operator's namespace; 0 keeps none.")
    var auditRetentionDays = 90

    @Option(help: "Leases billed at once (invoices made, payments looked up and credited; one lease is never billed twice at once).")
    var billingWorkers = BillingController.Options().workers

    @Option(help: "How often an open Lightning invoice is looked up at the wallet (e.g. 5s).")
    var paymentPollInterval: DurationArgument = .init(.seconds(5))

    @Option(help: "Test at start-up whether the cluster enforces NetworkPolicy (true/false).")
    var networkPolicySelfTest = true

    @Flag(help: "Exit when the process that started this one exits (for test harnesses and supervisors).")
    var exitWithParent = false

    enum LogFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    func validate() throws {
        do {
            _ = try ListenAddress(healthProbeBindAddress)
            _ = try ListenAddress(metricsBindAddress)
        } catch {
            throw ValidationError("\(error)")
        }
        if let address = try dashboardAddress(), !DashboardAccess.isLoopback(address), dashboardTokenFile == nil {
            throw ValidationError("--dashboard-bind-address \(dashboardBindAddress) is reachable from other machines, and the dashboard shows "
                + "tenants, images and earnings: give --dashboard-token-file (e.g. a Secret holding `openssl rand -hex 24`), "
                + "or bind 127.0.0.1:8088 and use kubectl port-forward")
        }
                guard workers > 0 else { throw ValidationError("--workers must be at least 1") }
        guard intakeParallelism > 0 else { throw ValidationError("--intake-parallelism must be at least 1") }
        guard auditRetentionDays >= 0 else { throw ValidationError("--audit-retention-days must be 0 (no records) or more") }
        guard billingWorkers > 0 else { throw ValidationError("--billing-workers must be at least 1") }
        guard bidLifetime.value >= .seconds(10) else { throw ValidationError("--bid-lifetime must be at least 10s") }
        guard paymentPollInterval.value >= .milliseconds(100) else { throw ValidationError("--payment-poll-interval must be at least 100ms") }
        guard leaderElectionRenewDeadline.value < leaderElectionLeaseDuration.value else {
            throw ValidationError("--leader-election-renew-deadline must be shorter than --leader-election-lease-duration")
        }
    }

    func run() async throws {
        let registry = ProcessSetup.bootstrap(level: logLevel, json: logFormat == .json)
        let logger = Logger(label: "ncn.operator")
        let connection: ClusterConnection
        do {
            connection = try ProcessSetup.connection(kubeconfig: kubeconfig)
        } catch {
            throw ValidationError("cannot connect to a cluster: \(error)")
        }
        let client = try KubernetesClient(connection: connection, logger: Logger(label: "ncn.kube"))

        // Received ecash and tenants' secret env live in the operator's own namespace.
        let ownNamespace = ProcessInfo.processInfo.environment["POD_NAMESPACE"] ?? LeaderElectionConfiguration.defaultNamespace
        // One watch per kind and selector, whichever controllers read it (docs/architecture.md).
        let informers = SharedInformers(client: client, logger: Logger(label: "ncn.informers"))
        // The one provider every controller serves, and its Secret: named once, watched once.
        let served = ProviderContext(name: provider, client: client, informers: informers)
        let inventory = Inventory(informers: informers, logger: Logger(label: "ncn.inventory"))
        let wakeUps = MarketWakeUps()
        var billingOptions = BillingController.Options()
        billingOptions.pollInterval = paymentPollInterval.value
        billingOptions.workers = billingWorkers
        let billing = BillingController(
            client: client, wallets: SecretLightningWalletSource(client: client, secrets: served.secrets), notifier: wakeUps, options: billingOptions,
            informers: informers, provider: served, logger: Logger(label: "ncn.billing"))
        let cashu = CashuPayments(client: client, billing: billing, vault: SecretEcashVault(client: client, namespace: ownNamespace),
                                  logger: Logger(label: "ncn.cashu"))
        var marketOptions = MarketBridge.Options()
        marketOptions.secretNamespace = ownNamespace
        marketOptions.bidLifetime = Double(bidLifetime.value.components.seconds)
        marketOptions.intakeParallelism = intakeParallelism
        let market = MarketBridge(client: client, inventory: inventory, cashu: cashu, wakeUps: wakeUps, options: marketOptions,
                                  informers: informers, provider: served, logger: Logger(label: "ncn.market"))
        var options = LeaseController.Options()
        options.workers = workers
        options.ownNamespace = ownNamespace
        if auditRetentionDays > 0 { options.audit = AuditTrail(client: client, namespace: ownNamespace, retentionDays: auditRetentionDays) }
        let controller = LeaseController(client: client, finalRecords: market, payments: billing, options: options,
                                         informers: informers, provider: served, logger: logger)
        let elector = try leaderElect ? makeElector(client: client, logger: logger) : nil
        let controllers = LeaderGatedControllers(
            controller: controller, inventory: inventory, billing: billing, cashu: cashu, market: market, secrets: served.secrets, elector: elector)

        let health = HealthServer(registry: registry, readiness: { controllers.readiness() })
        let healthAddress = try ListenAddress(healthProbeBindAddress)
        let metricsAddress = try ListenAddress(metricsBindAddress)
        var services: [any ServiceLifecycle.Service] = [controllers]
        if exitWithParent { services.append(ParentWatch()) }
        let environment = ProcessInfo.processInfo.environment
        let selfTest = networkPolicySelfTest ? NetworkPolicySelfTest(
            client: client, podName: environment["POD_NAME"], namespace: environment["POD_NAMESPACE"],
            logger: Logger(label: "ncn.netpol-self-test")) : nil
        services.append(HealthServer.application(router: health.healthRouter(), host: healthAddress.host, port: healthAddress.port, logger: logger))
        if healthAddress != metricsAddress {
            services.append(HealthServer.application(router: health.metricsRouter(), host: metricsAddress.host, port: metricsAddress.port, logger: logger))
        }
        if let dashboardAddress = try dashboardAddress() {
            let dashboard = ProviderDashboard(
                parts: .init(
                    providerName: provider, provider: { served.current }, leases: { market.leases.all }, inventory: { inventory.current },
                    market: market, wallet: billing.walletReachability, audit: options.audit,
                    acting: { elector?.isLeader ?? true }),
                logger: Logger(label: "ncn.dashboard"))
            let server = DashboardServer(dashboard: dashboard, access: try dashboardAccess())
            services.append(HealthServer.application(router: server.router(), host: dashboardAddress.host, port: dashboardAddress.port, logger: logger))
        }
                logger.info("starting", metadata: [
            "apiserver": "\(connection.server)", "provider": "\(provider)", "leaderElection": "\(leaderElect)",
            "health": "\(healthProbeBindAddress)", "metrics": "\(metricsBindAddress)", "dashboard": "\(dashboardBindAddress)",
        ])
        try await ProcessSetup.run(
            services.map { .init(service: $0) }
                + (selfTest.map { [.init(service: $0, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)] } ?? []),
            client: client, logger: logger)
        logger.info("stopped")
    }

    /// Nil when the dashboard is off.
    private func dashboardAddress() throws -> ListenAddress? {
        guard dashboardBindAddress != "off" else { return nil }
        do { return try ListenAddress(dashboardBindAddress) } catch { throw ValidationError("--dashboard-bind-address: \(error)") }
    }

    private func dashboardAccess() throws -> DashboardAccess {
        guard let path = dashboardTokenFile else { return try DashboardAccess(token: nil) }
        let contents: String
        do { contents = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ValidationError("--dashboard-token-file: cannot read \(path): \(error.localizedDescription)")
        }
        do { return try DashboardAccess(token: contents.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
            throw ValidationError("--dashboard-token-file \(path): \(error)")
        }
    }

    private func makeElector(client: KubernetesClient, logger: Logger) throws -> LeaderElector<ContinuousClock> {
        let environment = ProcessInfo.processInfo.environment
        // The pod name is unique among replicas; outside a pod, host name plus a random suffix.
        let identity = environment["POD_NAME"] ?? "\(ProcessInfo.processInfo.hostName)-\(UInt32.random(in: 0...UInt32.max))"
        let configuration = try LeaderElectionConfiguration(
            identity: identity, leaseDuration: leaderElectionLeaseDuration.value, renewDeadline: leaderElectionRenewDeadline.value,
            retryPeriod: leaderElectionRetryPeriod.value,
            namespace: leaderElectionNamespace ?? environment["POD_NAMESPACE"] ?? LeaderElectionConfiguration.defaultNamespace,
            leaseName: leaderElectionId)
        // `ncn_leader` is 1 on the replica that acts: what alerts on "no leader" or "two leaders" read.
        return LeaderElector(client: client, configuration: configuration, logger: logger) { event in
            switch event {
            case .startedLeading: Gauge(label: "ncn_leader").record(1)
            case .stoppedLeading: Gauge(label: "ncn_leader").record(0)
            case .leaderChanged: break
            }
        }
    }
}

/// "15s", "2m", "500ms" or plain seconds.
struct DurationArgument: ExpressibleByArgument, Sendable {
    let value: Duration
    init(_ value: Duration) { self.value = value }

    init?(argument: String) {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = argument
        var scale = 1.0
        for (suffix, factor) in units where argument.hasSuffix(suffix) {
            number = String(argument.dropLast(suffix.count))
            scale = factor
            break
        }
        guard let amount = Double(number), amount >= 0 else { return nil }
        value = .milliseconds(Int64(amount * scale * 1000))
    }

    var defaultValueDescription: String { "\(value)" }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
