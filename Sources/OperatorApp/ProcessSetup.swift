import KubeClient
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// What every executable of the operator's image does before and after its own work: logging
/// and metrics set up once per process, the cluster connection, and the service group whose
/// end shuts the Kubernetes client down.
public enum ProcessSetup {
    /// Logs to stderr as text or JSON lines at `level`; metrics into the returned registry.
    public static func bootstrap(level: Logger.Level, json: Bool = false) -> PrometheusCollectorRegistry {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// `kubeconfig` when given; otherwise in-cluster, then $KUBECONFIG, then ~/.kube/config.
    public static func connection(kubeconfig: String?) throws -> ClusterConnection {
        try kubeconfig.map { try ClusterConnection.kubeconfig(path: $0) } ?? ClusterConnection.automatic()
    }

    /// Runs `services` until SIGTERM or SIGINT (or one of them ends the group), then shuts `client` down.
    public static func run(_ services: [ServiceGroupConfiguration.ServiceConfiguration], client: KubernetesClient, logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch is CancellationError {
            // A service that ends its work by cancellation after SIGTERM has stopped cleanly.
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
