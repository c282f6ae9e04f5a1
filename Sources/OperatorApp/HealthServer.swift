import Hummingbird
import Logging
import NIOCore
import Prometheus

/// `/healthz` (the process answers), `/readyz` (caches synced, or a standby replica), and
/// `/metrics` (Prometheus text). Health and metrics may share one address or use two.
public struct HealthServer: Sendable {
    public let readiness: @Sendable () -> Readiness
    public let registry: PrometheusCollectorRegistry

    public struct Readiness: Sendable {
        public var ready: Bool
        public var detail: String
        public init(ready: Bool, detail: String) {
            self.ready = ready
            self.detail = detail
        }
    }

    public init(registry: PrometheusCollectorRegistry, readiness: @escaping @Sendable () -> Readiness) {
        self.registry = registry
        self.readiness = readiness
    }

    public func healthRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            let state = readiness()
            return Response(
                status: state.ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: state.detail + "\n")))
        }
        addMetrics(to: router)
        return router
    }

    public func metricsRouter() -> Router<BasicRequestContext> {
        let router = Router()
        addMetrics(to: router)
        return router
    }

    private func addMetrics(to router: Router<BasicRequestContext>) {
        router.get("metrics") { [registry] _, _ -> Response in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    /// An HTTP application (a swift-service-lifecycle Service) on `host:port`.
    public static func application(
        router: Router<BasicRequestContext>, host: String, port: Int, logger: Logger
    ) -> some ApplicationProtocol {
        Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "ncn-operator"), logger: logger)
    }
}
