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
        // Query latency in milliseconds: fine buckets where the goals are (≤ 5 ms, cache hits ≤ 0.2 ms).
        factory.valueHistogramBuckets["rag_query_latency_ms"] = [0.1, 0.2, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 25, 50, 100, 250, 500, 1000, 2500]
        // A node takes milliseconds (a transform) to minutes (an ingest); a run, up to days (a
        // delay, an approval): the default buckets end at 10 s, where most runs would pile up.
        factory.valueHistogramBuckets["workflow_node_latency_ms"] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 120_000, 600_000]
        factory.valueHistogramBuckets["workflow_run_latency_ms"] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300_000,
                                                                    900_000, 3_600_000, 21_600_000, 86_400_000]
        MetricsSystem.bootstrap(factory)
        return registry
    }
}
