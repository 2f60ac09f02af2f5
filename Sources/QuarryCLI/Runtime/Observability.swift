import Logging
import Metrics
import Prometheus
import QuarryServer

/// Process-wide logging and metrics, set up once by the command that runs.
enum Observability {
    static func bootstrapLogging(_ settings: Settings) {
        let level = settings.logLevel
        switch settings.logFormat {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, logLevel: level) }
        }
    }

    /// The registry `/metrics` reads, installed as swift-metrics' back end.
    static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = prometheusSafeNames
        MetricsSystem.bootstrap(factory)
        return registry
    }
}
