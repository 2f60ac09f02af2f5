import Hummingbird
import Logging
import Prometheus
import QuarryServer
import ServiceLifecycle

/// How `quarry worker` and `quarry scheduler` run: their service beside `/health`, `/ready` and
/// `/metrics` on an address of their own, until SIGTERM or SIGINT, when the service stops gracefully.
enum ProbedService {
    /// `companions`: services that run beside it for as long (the trace exporter).
    static func run(_ service: any Service, serverName: String, host: String, port: Int, metrics: PrometheusCollectorRegistry,
                    readinessChecks: [any ReadinessCheck], companions: [any Service] = [], logger: Logger) async throws {
        let probes = Application(
            router: makeProbeRouter(metrics: metrics, readinessChecks: readinessChecks),
            server: ClientDeadlines.standard.server,
            configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in
                logger.info("metrics", metadata: ["url": .string("http://\(host):\(channel.localAddress?.port ?? port)/metrics")])
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [service, probes, HeapTrimService()] + companions, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped")
    }
}
