import Hummingbird
import Logging
import Prometheus
import QuarryCore
import QuarryEngine
import QuarryWorkflow

/// What the HTTP layer needs from the composition root.
public struct ServerDependencies: Sendable {
    public var authority: TokenAuthority
    public var metrics: PrometheusCollectorRegistry
    public var readinessChecks: [any ReadinessCheck]
    /// Serves `POST /v1/embeddings` when present.
    public var embedder: (any Embedder)?
    /// Serves `/api/v1/documents`, `/api/v1/index-jobs`, `/api/v1/rag/query` and `/v1/chat/completions` when present.
    public var engine: Engine?
    public var maximumTokenLifetime: Duration
    /// Served at `/` and `/assets/`; nil where the UI is not built (`/` then says so).
    public var webUI: WebUI?
    /// A server span per request, continuing the caller's `traceparent` (a tracer is bootstrapped: `otel_endpoint`).
    public var tracing: Bool

    /// The engine's parts the API uses.
    public struct Engine: Sendable {
        public var pipeline: IngestPipeline
        public var indexJobs: IndexJobs
        public var retriever: Retriever
        /// Serves `/api/v1/workflows`, `/api/v1/runs` and `/api/v1/node-types`.
        public var workflows: WorkflowEngine
        /// Serves `/api/v1/credentials` and `/api/v1/credential-types`.
        public var credentials: Credentials
        public var maximumUploadBytes: Int
        /// Serves `/api/v1/eval/runs`: the `quarry eval` records in `eval_dir`.
        public var evalArchive: EvalArchive?
        /// Serves `/api/v1/api-keys` and the exchange at `/api/v1/auth/token`.
        public var apiKeys: APIKeys?

        public init(pipeline: IngestPipeline, indexJobs: IndexJobs, retriever: Retriever, workflows: WorkflowEngine, credentials: Credentials,
                    maximumUploadBytes: Int, evalArchive: EvalArchive? = nil, apiKeys: APIKeys? = nil) {
            self.evalArchive = evalArchive
            self.apiKeys = apiKeys
            self.pipeline = pipeline
            self.indexJobs = indexJobs
            self.retriever = retriever
            self.workflows = workflows
            self.credentials = credentials
            self.maximumUploadBytes = maximumUploadBytes
        }
    }

    public init(
        authority: TokenAuthority,
        metrics: PrometheusCollectorRegistry,
        readinessChecks: [any ReadinessCheck],
        embedder: (any Embedder)? = nil,
        engine: Engine? = nil,
        maximumTokenLifetime: Duration = .seconds(30 * 24 * 3600),
        webUI: WebUI? = nil,
        tracing: Bool = false
    ) {
        self.tracing = tracing
        self.webUI = webUI
        self.embedder = embedder
        self.engine = engine
        self.authority = authority
        self.metrics = metrics
        self.readinessChecks = readinessChecks
        self.maximumTokenLifetime = maximumTokenLifetime
    }
}

/// Builds Quarry's router: public `/health`, `/ready`, `/metrics` and the web UI's files; everything under `/api/v1`, the
/// OpenAI-compatible `/v1` and the MCP server at `/mcp` needs a token, but webhooks (`/api/v1/hooks/…`), whose secret URL is
/// their credential, and the API-key exchange (`/api/v1/auth/token`), whose key is.
public func makeRouter(_ dependencies: ServerDependencies) -> Router<QuarryRequestContext> {
    let router = Router(context: QuarryRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    if dependencies.tracing { router.add(middleware: TraceMiddleware()) }
    // Method and path only (no headers, so never a token); the request id is in the metadata.
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: MetricsMiddleware())
    // Innermost: errors become responses here, so the metrics above count them by status.
    router.add(middleware: ErrorMiddleware())

    HealthRoutes(checks: dependencies.readinessChecks).register(on: router)
    MetricsRoute(registry: dependencies.metrics).register(on: router)
    WebUIRoutes(ui: dependencies.webUI).register(on: router)
    router.get("/api/v1/openapi.json") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPISpec.json)))
    }

    if let engine = dependencies.engine { HookRoutes(engine: engine.workflows).registerPublic(on: router) }
    let apiKeyRoutes = dependencies.engine?.apiKeys.map { APIKeyRoutes(keys: $0, authority: dependencies.authority) }
    apiKeyRoutes?.registerPublic(on: router)

    let api = router.group("/api/v1").add(middleware: AuthMiddleware(authority: dependencies.authority))
    IdentityRoutes(authority: dependencies.authority, maximumTokenLifetime: dependencies.maximumTokenLifetime)
        .register(on: api)
    if let engine = dependencies.engine {
        DocumentRoutes(pipeline: engine.pipeline, maximumUploadBytes: engine.maximumUploadBytes).register(on: api)
        IndexJobRoutes(indexJobs: engine.indexJobs).register(on: api)
        QueryRoutes(retriever: engine.retriever).register(on: api)
        WorkflowRoutes(engine: engine.workflows).register(on: api)
        RunRoutes(engine: engine.workflows).register(on: api)
        HookRoutes(engine: engine.workflows).register(on: api)
        CredentialRoutes(credentials: engine.credentials).register(on: api)
        ActionRoutes(engine: engine.workflows).register(on: api)
        EvalRoutes(archive: engine.evalArchive).register(on: api)
        apiKeyRoutes?.register(on: api)
    }

    if let engine = dependencies.engine {
        let mcp = router.group("/mcp").add(middleware: AuthMiddleware(authority: dependencies.authority))
        MCPRoutes(mcp: QuarryMCP(retriever: engine.retriever, pipeline: engine.pipeline)).register(on: mcp)
    }

    if dependencies.embedder != nil || dependencies.engine != nil {
        // Errors here in OpenAI's shape: its clients are the callers.
        let openAI = router.group("/v1").add(middleware: OpenAIErrorMiddleware()).add(middleware: AuthMiddleware(authority: dependencies.authority))
        if let embedder = dependencies.embedder { EmbeddingsRoutes(embedder: embedder).register(on: openAI) }
        if let engine = dependencies.engine { ChatCompletionsRoutes(retriever: engine.retriever).register(on: openAI) }
        ModelsRoutes(embeddingModel: dependencies.embedder?.modelName, answers: dependencies.engine != nil).register(on: openAI)
    }
    return router
}

/// The router of a process without the API (`quarry worker`): `/health`, `/ready` (its back ends)
/// and `/metrics`, all public, as on the API's router.
public func makeProbeRouter(metrics: PrometheusCollectorRegistry, readinessChecks: [any ReadinessCheck]) -> Router<QuarryRequestContext> {
    let router = Router(context: QuarryRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    HealthRoutes(checks: readinessChecks).register(on: router)
    MetricsRoute(registry: metrics).register(on: router)
    return router
}

/// Prometheus names allow `[a-zA-Z0-9_:]` only; libraries (Hummingbird) label their metrics with dots.
public func prometheusSafeNames(_ name: String, _ labels: [(String, String)]) -> (String, [(String, String)]) {
    func sanitize(_ text: String) -> String {
        String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") ? $0 : "_" })
    }
    return (sanitize(name), labels.map { (sanitize($0.0), $0.1) })
}
