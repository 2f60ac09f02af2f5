import Logging
import Metrics
import OTel
import Prometheus
import QuarryServer
import ServiceLifecycle
import Tracing

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

    /// With `otel_endpoint`, a tracer exporting spans over OTLP/HTTP in batches, off every
    /// request's path, installed as swift-distributed-tracing's back end; the service it returns
    /// exports and flushes at shutdown. Without it, nil: the tracing API stays a no-op.
    /// `role` (`serve`, `worker`, `scheduler`) tells the processes of one deployment apart.
    static func bootstrapTracing(_ settings: Settings, role: String) throws(ConfigurationError) -> (any Service)? {
        guard let endpoint = settings.otelEndpoint else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "quarry"
        configuration.resourceAttributes = ["quarry.role": role]
        configuration.diagnosticLogger = .custom(Logger(label: "quarry.otel"))
        configuration.propagators = [.traceContext]
        configuration.logs.enabled = false  // logs stay on standard error, metrics on /metrics
        configuration.metrics.enabled = false
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.traces.otlpExporter.endpoint = (endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint) + "/v1/traces"
        // A collector that is down costs dropped spans, never a request's time; and a shutdown
        // waits for it at most this long.
        configuration.traces.otlpExporter.timeout = .seconds(5)
        configuration.traces.batchSpanProcessor.exportTimeout = .seconds(5)
        do {
            let backend = try OTel.makeTracingBackend(configuration: configuration)
            InstrumentationSystem.bootstrap(backend.factory)
            return backend.service
        } catch {
            throw ConfigurationError(key: SettingKey.otelEndpoint.name, origin: endpoint, reason: "cannot start the trace exporter: \(error)")
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
