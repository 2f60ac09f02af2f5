import Foundation
import QuarryCore

/// Back ends that are down: every call throws ``BackendUnavailable``, as the Qdrant, MongoDB, Redis
/// and remote-embedder adapters do when their server cannot be reached.
enum Down {
    static func error(_ backend: String) -> BackendUnavailable { BackendUnavailable(backend: backend, reason: "test server stopped") }

    struct Store: DocumentStore, IndexJobStore, WorkflowStore, RunStore, CredentialStore, EffectLedger, APIKeyStore {
        var backend: BackendIdentity { BackendIdentity(kind: "test", target: "store") }
        func problem() async -> String? { "stopped" }
        func record(_ id: String, tenant: String) async throws -> DocumentRecord? { throw error("mongodb") }
        func records(_ ids: [String], tenant: String) async throws -> [DocumentRecord] { throw error("mongodb") }
        func labels(_ ids: [String], tenant: String) async throws -> [DocumentLabel] { throw error("mongodb") }
        func progress(_ ids: [String], tenant: String) async throws -> [DocumentProgress] { throw error("mongodb") }
        func records(tenant: String, limit: Int, offset: Int) async throws -> [DocumentRecord] { throw error("mongodb") }
        func records(source uri: String, tenant: String) async throws -> [DocumentRecord] { throw error("mongodb") }
        func save(_ record: DocumentRecord) async throws { throw error("mongodb") }
        func update(_ record: DocumentRecord) async throws -> Bool { throw error("mongodb") }
        func saveChunks(_ chunks: [Chunk], document: String, tenant: String) async throws { throw error("mongodb") }
        func chunks(_ ids: [String], tenant: String) async throws -> [Chunk] { throw error("mongodb") }
        func delete(_ id: String, tenant: String) async throws { throw error("mongodb") }
        func saveBytes(_ data: Data, document: String, tenant: String) async throws { throw error("mongodb") }
        func bytes(document: String, tenant: String) async throws -> Data? { throw error("mongodb") }
        func createIndexJob(_ job: IndexJob) async throws { throw error("mongodb") }
        func indexJob(_ id: String, tenant: String) async throws -> IndexJob? { throw error("mongodb") }
        func indexJobs(tenant: String, limit: Int, offset: Int) async throws -> [IndexJob] { throw error("mongodb") }
        func updateIndexJobItems(_ job: IndexJob) async throws { throw error("mongodb") }
        func indexJobCanceled(_ id: String, tenant: String) async throws -> Bool { throw error("mongodb") }
        func cancelIndexJob(_ id: String, tenant: String, at date: Date) async throws -> Bool { throw error("mongodb") }
        func createWorkflow(_ workflow: Workflow) async throws -> Bool { throw error("mongodb") }
        func updateWorkflow(_ workflow: Workflow) async throws -> Bool { throw error("mongodb") }
        func workflow(_ id: String, version: Int?, tenant: String) async throws -> Workflow? { throw error("mongodb") }
        func workflows(tenant: String, limit: Int, offset: Int) async throws -> [Workflow] { throw error("mongodb") }
        func scheduledWorkflows() async throws -> [Workflow] { throw error("mongodb") }
        func deleteWorkflow(_ id: String, tenant: String) async throws -> Bool { throw error("mongodb") }
        func setWorkflowHook(_ id: String, tenant: String, digest: String?) async throws -> Bool { throw error("mongodb") }
        func workflowHook(digest: String) async throws -> WorkflowHook? { throw error("mongodb") }
        func createRun(_ run: Run) async throws -> Bool { throw error("mongodb") }
        func run(_ id: String, tenant: String, nodes: [String]?) async throws -> Run? { throw error("mongodb") }
        func runs(tenant: String, workflow: String?, status: Run.Status?, limit: Int, offset: Int) async throws -> [Run] { throw error("mongodb") }
        func modifyRun<T>(_ id: String, tenant: String, _ change: (inout RunDraft) throws -> T) async throws -> T? { throw error("mongodb") }
        func appendRunLog(_ entry: RunLog) async throws { throw error("mongodb") }
        func runLogs(run: String, tenant: String, after: String?, limit: Int) async throws -> [RunLog] { throw error("mongodb") }
        func saveRunOutput(_ data: Data, key: String, tenant: String) async throws { throw error("mongodb") }
        func runOutput(key: String, tenant: String) async throws -> Data? { throw error("mongodb") }
        func runOutput(key: String, tenant: String, bytes: Range<Int>) async throws -> Data? { throw error("mongodb") }
        func createCredential(_ credential: Credential) async throws -> Bool { throw error("mongodb") }
        func credential(_ id: String, tenant: String) async throws -> Credential? { throw error("mongodb") }
        func credentials(tenant: String, limit: Int, offset: Int) async throws -> [Credential] { throw error("mongodb") }
        func replaceCredential(_ credential: Credential) async throws -> Bool { throw error("mongodb") }
        func deleteCredential(_ id: String, tenant: String) async throws -> Bool { throw error("mongodb") }
        func createAPIKey(_ key: APIKey) async throws { throw error("mongodb") }
        func apiKey(id: String) async throws -> APIKey? { throw error("mongodb") }
        func apiKeys(tenant: String, limit: Int, offset: Int) async throws -> [APIKey] { throw error("mongodb") }
        func deleteAPIKey(_ id: String, tenant: String) async throws -> Bool { throw error("mongodb") }
        func allCredentials(after: (tenant: String, id: String)?, limit: Int) async throws -> [Credential] { throw error("mongodb") }
        func intend(_ key: String, tenant: String, at date: Date) async throws -> Effect? { throw error("mongodb") }
        func complete(_ key: String, tenant: String, answer: JSONValue, at date: Date) async throws { throw error("mongodb") }
        func forget(_ key: String, tenant: String) async throws { throw error("mongodb") }
    }

    struct Index: VectorIndex {
        var backend: BackendIdentity { BackendIdentity(kind: "test", target: "index") }
        func problem() async -> String? { "stopped" }
        var generation: Int { 0 }
        var seesEveryWrite: Bool { false }
        func upsert(_ points: [IndexPoint]) async throws { throw error("qdrant") }
        func deleteDocument(_ documentId: String, tenant: String) async throws { throw error("qdrant") }
        func search(_ query: IndexQuery) async throws -> [IndexHit] { throw error("qdrant") }
        func count(tenant: String) async throws -> Int { throw error("qdrant") }
        func discard() async throws { throw error("qdrant") }
    }

    struct Queue: JobQueue {
        var backend: BackendIdentity { BackendIdentity(kind: "test", target: "queue") }
        func problem() async -> String? { "stopped" }
        func enqueue(_ job: NewJob) async throws -> String { throw error("redis") }
        func dequeue(queue: String, lease: Duration) async throws -> LeasedJob? { throw error("redis") }
        func extend(_ job: LeasedJob, lease: Duration) async throws { throw error("redis") }
        func complete(_ job: LeasedJob) async throws { throw error("redis") }
        func fail(_ job: LeasedJob, error: String) async throws { throw Down.error("redis") }
        func deadLetter(_ job: LeasedJob, error: String) async throws { throw Down.error("redis") }
        func depth(queue: String) async throws -> Int { throw error("redis") }
        func deadLetters(queue: String) async throws -> [LeasedJob] { throw error("redis") }
    }

    struct Embedder: QuarryCore.Embedder {
        let modelName = "sentence-transformers/all-MiniLM-L6-v2"
        let dimensions = 384
        func embed(_ texts: [String], for use: EmbeddingUse) async throws -> Embeddings { throw error("embedder") }
    }
}

/// A fetcher that always finds the same small page, so a URL submission reaches the store.
struct FixedPage: DocumentFetcher {
    func fetchDocument(_ url: String) async throws(DocumentFetchError) -> FetchedDocument {
        FetchedDocument(data: Data("<html><title>Tides</title><p>High water twice a day.</p></html>".utf8), filename: "tides.html", declaredType: .html)
    }
}
