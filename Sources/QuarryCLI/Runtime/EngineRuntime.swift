import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryEmbedding
import QuarryEngine
import QuarryHTTP
import QuarryServer
import QuarryWorkflow

/// The engine as `quarry index`, `ask`, `serve` and `worker` use it: the ``Backends`` (one SQLite
/// database in the data directory, `quarry.sqlite`: jobs unless `queue` is redis; documents and
/// chunks unless `document_store` is mongodb; index points unless `vector_store` is qdrant; the
/// original files beside it, `files/`), the model and the vector index.
struct EngineRuntime: Sendable {
    let backends: Backends
    let embedder: any Embedder
    let index: any VectorIndex
    let pipeline: IngestPipeline
    let indexJobs: IndexJobs
    let retriever: Retriever
    /// Workflow runs on the same store and queue (Docs/WORKFLOWS.md).
    let workflows: WorkflowEngine
    /// The tenants' credentials, sealed with `<data>/credential-key` (Docs/CONNECTORS.md).
    let credentials: Credentials

    var directory: DataDirectory { backends.directory }
    var store: any DocumentStore { backends.store }
    var queue: any JobQueue { backends.queue }

    /// `indexRoot`: where index jobs may read files, when not the setting's (`quarry index` reads the user's own).
    static func open(_ settings: Settings, indexRoot: IndexRoot? = nil) throws(ConfigurationError) -> EngineRuntime {
        let backends = try Backends.open(settings)
        // The chunker counts with the model's vocabulary: the local model's own, else read alone.
        let embedder: any Embedder
        let tokenizer: WordPieceTokenizer
        if let remote = settings.remoteEmbedder {
            embedder = OpenAIEmbedder(baseURL: remote.url, model: remote.model, dimensions: remote.dimensions, apiKey: remote.apiKey)
            tokenizer = try Model.tokenizer(settings)
        } else {
            let local = try Model.embedder(settings)
            embedder = local
            tokenizer = local.tokenizer
        }
        let (store, queue) = (backends.store, backends.queue)
        do {
            let index = try VectorStores.open(settings, database: backends.database, dimensions: embedder.dimensions)
            let indexer = ChunkIndexer(chunker: Chunker(counter: tokenizer), embedder: embedder, index: index)
            let llm = settings.llm.map { LLMAnswerer(model: OpenAIChatModel(baseURL: $0.url, model: $0.model, apiKey: $0.apiKey)) }
            let local: @Sendable () -> Int = { index.generation }
            let generation = index.seesEveryWrite ? local : QueryCache.sharedGeneration(local: local)
            let retriever = Retriever(store: store, index: index, embedder: embedder, fusion: settings.fusion, llm: llm, generation: generation)
            // Users' URLs (uploads by URL, index jobs) go through the SSRF guard.
            let fetcher = URLFetcher(urlGuard: URLGuard(allowPrivate: settings.allowPrivateURLs), maximumBytes: settings.maxUploadBytes)
            let pipeline = IngestPipeline(store: store, queue: queue, indexer: indexer, fetcher: fetcher)
            let indexJobs = IndexJobs(store: store, pipeline: pipeline, root: indexRoot ?? settings.indexRoot, maximumBytes: settings.maxUploadBytes)
            let outbound = GuardedHTTP(urlGuard: URLGuard(allowPrivate: settings.allowPrivateURLs),
                                       client: HTTPClient(retries: 0, caFile: settings.outboundCAFile))
            let keys = CredentialKey.path(settings, directory: backends.directory)
            let credentials = Credentials(store: store, vault: try CredentialKey.vault(at: keys), reload: CredentialKey.reloading(at: keys))
            let workflows = WorkflowEngine(workflows: backends.store, runs: backends.store, queue: queue,
                                           registry: .standard(retriever: retriever, indexJobs: indexJobs, chat: llm?.model, http: outbound,
                                                               mail: SMTPTransport(urlGuard: URLGuard(allowPrivate: settings.allowPrivateURLs), caFile: settings.outboundCAFile), credentials: credentials, ledger: store,
                                                               limiter: try JobQueues.openLimiter(settings)))
            return EngineRuntime(backends: backends, embedder: embedder, index: index, pipeline: pipeline, indexJobs: indexJobs, retriever: retriever,
                                 workflows: workflows, credentials: credentials)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(key: SettingKey.data.name, origin: backends.directory.path + "/" + Backends.databaseName,
                                     reason: "cannot open the database: \(error)")
        }
    }

    /// What `/ready` asks: each back end the settings chose.
    var readinessChecks: [any ReadinessCheck] {
        backends.readinessChecks + [BackendReadiness(name: "vector_store", probe: index)]
    }
}
