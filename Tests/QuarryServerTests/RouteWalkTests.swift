import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryEmbedded
import QuarryEngine
import QuarryHTTP
import QuarryServer
import QuarryWorkflow
import QuarryTestSupport
import Testing

/// Every route, called with each back end down in turn and with all of them down: never a 500,
/// always the one error shape, 503 with `Retry-After` when a back end is what failed, and nothing
/// left half-written.
@Suite("every route with its back ends failing")
struct RouteWalkTests {
    enum Part: String, CaseIterable, Sendable { case store, index, queue, embedder }

    /// The real embedded engine in a temporary directory, with the parts in `down` replaced by ones that are down.
    static func dependencies(down: Set<Part>, authority: TokenAuthority) throws -> ServerDependencies {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("walk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: directory.path + "/quarry.sqlite")
        let sqlite = try SQLiteDocumentStore(database: database, files: directory.appendingPathComponent("files"))
        let store: any DocumentStore & IndexJobStore & WorkflowStore & RunStore & CredentialStore & APIKeyStore = down.contains(.store) ? Down.Store() : sqlite
        let index: any VectorIndex = down.contains(.index) ? Down.Index() : try EmbeddedVectorIndex(database: database)
        let queue: any JobQueue = down.contains(.queue) ? Down.Queue() : try SQLiteJobQueue(database: database)
        let embedder: any Embedder = down.contains(.embedder) ? Down.Embedder() : DocumentAndQueryAPITests.embedder
        let indexer = ChunkIndexer(chunker: Chunker(counter: DocumentAndQueryAPITests.embedder.tokenizer), embedder: embedder, index: index)
        let pipeline = IngestPipeline(store: store, queue: queue, indexer: indexer, fetcher: FixedPage())
        let retriever = Retriever(store: store, index: index, embedder: embedder, generation: { index.generation })
        let indexJobs = IndexJobs(store: store, pipeline: pipeline, root: nil, maximumBytes: 1_000_000)
        let workflows = WorkflowEngine(workflows: store, runs: store, queue: queue, registry: NodeRegistry.standard(retriever: retriever, indexJobs: indexJobs, chat: nil, http: GuardedHTTP(urlGuard: URLGuard(allowPrivate: true))))
        let engine = ServerDependencies.Engine(
            pipeline: pipeline, indexJobs: indexJobs,
            retriever: retriever, workflows: workflows, credentials: Credentials(store: store, vault: try CredentialVault(key: Data(repeating: 7, count: 32))),
            maximumUploadBytes: 1_000_000, apiKeys: APIKeys(store: store)
        )
        let checks: [any ReadinessCheck] = [
            BackendReadiness(name: "document_store", probe: store), BackendReadiness(name: "vector_store", probe: index),
            BackendReadiness(name: "queue", probe: queue),
        ]
        return ServerDependencies(authority: authority, metrics: Fixture.metrics, readinessChecks: checks, embedder: embedder, engine: engine)
    }

    struct Call: Sendable, CustomStringConvertible {
        /// As the OpenAPI document names it: `POST /api/v1/documents/{id}`.
        let route: String
        let uri: String
        var body: String? = nil
        var contentType: String? = nil
        var accept: String? = nil
        /// Whether it needs a back end (all down: 503).
        var usesBackends = true
        /// A refusal this call earns when its back ends are up (a key that was never made: 401).
        var refusal: Int? = nil

        var method: HTTPRequest.Method { HTTPRequest.Method(String(route.split(separator: " ")[0]))! }
        var description: String { "\(route) \(body ?? "")" }
    }

    static let boundary = "walk-boundary"
    static let calls: [Call] = [
        Call(route: "GET /health", uri: "/health", usesBackends: false),
        Call(route: "GET /ready", uri: "/ready"),
        Call(route: "GET /metrics", uri: "/metrics", usesBackends: false),
        Call(route: "GET /api/v1/openapi.json", uri: "/api/v1/openapi.json", usesBackends: false),
        Call(route: "GET /api/v1/me", uri: "/api/v1/me", usesBackends: false),
        Call(route: "POST /api/v1/tokens", uri: "/api/v1/tokens", body: #"{"sub": "bot", "role": "viewer"}"#, contentType: "application/json", usesBackends: false),
        Call(route: "POST /api/v1/documents", uri: "/api/v1/documents",
             body: "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"tides.txt\"\r\n\r\nHigh water comes twice a day.\r\n--\(boundary)--\r\n",
             contentType: "multipart/form-data; boundary=\(boundary)"),
        Call(route: "POST /api/v1/documents", uri: "/api/v1/documents", body: #"{"url": "https://example.org/tides.html"}"#, contentType: "application/json"),
        Call(route: "GET /api/v1/documents", uri: "/api/v1/documents"),
        Call(route: "GET /api/v1/documents/{id}", uri: "/api/v1/documents/0123abcd"),
        Call(route: "GET /api/v1/documents/{id}/content", uri: "/api/v1/documents/0123abcd/content"),
        Call(route: "GET /api/v1/eval/runs", uri: "/api/v1/eval/runs", usesBackends: false),
        Call(route: "POST /api/v1/api-keys", uri: "/api/v1/api-keys", body: #"{"name": "ci", "role": "viewer"}"#, contentType: "application/json"),
        Call(route: "GET /api/v1/api-keys", uri: "/api/v1/api-keys"),
        Call(route: "DELETE /api/v1/api-keys/{id}", uri: "/api/v1/api-keys/0123456789abcdef0123456789abcdef"),
        Call(route: "POST /api/v1/auth/token", uri: "/api/v1/auth/token",
             body: #"{"api_key": "qk_0123456789abcdef0123456789abcdef_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}"#, contentType: "application/json",
             refusal: 401),
        Call(route: "GET /api/v1/eval/runs/{name}", uri: "/api/v1/eval/runs/scifact-hybrid", usesBackends: false),
        Call(route: "DELETE /api/v1/documents/{id}", uri: "/api/v1/documents/0123abcd"),
        Call(route: "POST /api/v1/index-jobs", uri: "/api/v1/index-jobs", body: #"{"urls": ["https://example.org/a.pdf"]}"#, contentType: "application/json"),
        Call(route: "GET /api/v1/index-jobs", uri: "/api/v1/index-jobs"),
        Call(route: "GET /api/v1/index-jobs/{id}", uri: "/api/v1/index-jobs/no-such-job"),
        Call(route: "POST /api/v1/index-jobs/{id}/cancel", uri: "/api/v1/index-jobs/no-such-job/cancel"),
        Call(route: "POST /api/v1/rag/query", uri: "/api/v1/rag/query", body: #"{"query": "when is high water?"}"#, contentType: "application/json"),
        Call(route: "POST /v1/embeddings", uri: "/v1/embeddings", body: #"{"input": "high water"}"#, contentType: "application/json"),
        Call(route: "POST /v1/chat/completions", uri: "/v1/chat/completions",
             body: #"{"model": "quarry", "messages": [{"role": "user", "content": "when is high water?"}]}"#, contentType: "application/json"),
        Call(route: "GET /v1/models", uri: "/v1/models", usesBackends: false),
        // MCP says a back end's failure inside its reply (a tool result with isError), not in the HTTP status.
        Call(route: "POST /mcp", uri: "/mcp",
             body: #"{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "search", "arguments": {"query": "high water"}}}"#,
             contentType: "application/json", accept: "application/json, text/event-stream", usesBackends: false),
        Call(route: "GET /mcp", uri: "/mcp", usesBackends: false, refusal: 405),
        Call(route: "DELETE /mcp", uri: "/mcp", usesBackends: false, refusal: 405),
        Call(route: "GET /api/v1/node-types", uri: "/api/v1/node-types", usesBackends: false),
        Call(route: "POST /api/v1/workflows", uri: "/api/v1/workflows", body: workflow, contentType: "application/json"),
        Call(route: "GET /api/v1/workflows", uri: "/api/v1/workflows"),
        Call(route: "GET /api/v1/workflows/{id}", uri: "/api/v1/workflows/walk"),
        Call(route: "PUT /api/v1/workflows/{id}", uri: "/api/v1/workflows/walk", body: workflow, contentType: "application/json"),
        Call(route: "GET /api/v1/workflows/{id}/versions", uri: "/api/v1/workflows/walk/versions"),
        Call(route: "GET /api/v1/workflows/{id}/versions/{version}", uri: "/api/v1/workflows/walk/versions/1"),
        Call(route: "POST /api/v1/workflows/{id}/run", uri: "/api/v1/workflows/walk/run", body: #"{"inputs": {"q": "tides"}}"#, contentType: "application/json"),
        Call(route: "GET /api/v1/runs", uri: "/api/v1/runs?workflow_id=walk&status=queued"),
        Call(route: "GET /api/v1/runs/{id}", uri: "/api/v1/runs/no-such-run"),
        Call(route: "GET /api/v1/runs/{id}/logs", uri: "/api/v1/runs/no-such-run/logs?limit=10"),
        Call(route: "GET /api/v1/runs/{id}/nodes/{node}/output", uri: "/api/v1/runs/no-such-run/nodes/ask/output"),
        Call(route: "POST /api/v1/runs/{id}/cancel", uri: "/api/v1/runs/no-such-run/cancel"),
        Call(route: "POST /api/v1/runs/{id}/nodes/{node}/approve", uri: "/api/v1/runs/no-such-run/nodes/ask/approve"),
        Call(route: "POST /api/v1/runs/{id}/nodes/{node}/reject", uri: "/api/v1/runs/no-such-run/nodes/ask/reject", body: #"{"comment": "no"}"#,
             contentType: "application/json"),
        Call(route: "POST /api/v1/runs/{id}/rerun", uri: "/api/v1/runs/no-such-run/rerun", body: #"{"from": "start"}"#, contentType: "application/json"),
        Call(route: "POST /api/v1/workflows/{id}/hook", uri: "/api/v1/workflows/walk/hook"),
        Call(route: "DELETE /api/v1/workflows/{id}/hook", uri: "/api/v1/workflows/walk/hook"),
        Call(route: "POST /api/v1/hooks/{workflow}/{secret}", uri: "/api/v1/hooks/walk/not-the-secret", body: #"{"q": "tides"}"#,
             contentType: "application/json"),
        Call(route: "DELETE /api/v1/workflows/{id}", uri: "/api/v1/workflows/walk"),
        Call(route: "GET /api/v1/credential-types", uri: "/api/v1/credential-types", usesBackends: false),
        Call(route: "POST /api/v1/credentials", uri: "/api/v1/credentials", body: #"{"type": "notion", "name": "wiki", "fields": {"token": "ntn_walk"}}"#,
             contentType: "application/json"),
        Call(route: "GET /api/v1/credentials", uri: "/api/v1/credentials"),
        Call(route: "GET /api/v1/credentials/{id}", uri: "/api/v1/credentials/no-such-credential"),
        Call(route: "DELETE /api/v1/credentials/{id}", uri: "/api/v1/credentials/no-such-credential"),
        Call(route: "POST /api/v1/actions/{type}/test", uri: "/api/v1/actions/no_such_action/test", body: #"{"config": {}}"#,
             contentType: "application/json", usesBackends: false),
    ]

    static let workflow = #"{"id": "walk", "name": "walk", "nodes": [{"id": "start", "type": "trigger", "config": {}}, {"id": "ask", "type": "rag_query", "config": {"query": "{{ trigger.q }}"}}], "edges": [{"from": "start", "to": "ask"}]}"#

    @Test("the walk calls every documented route")
    func coversEveryRoute() async throws {
        let paths = try #require(try await OpenAPITests.spec()["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.filter { $0 != "parameters" }.map { "\($0.uppercased()) \(path)" } })
        #expect(Set(Self.calls.map(\.route)) == documented)
    }

    @Test("one back end down: each route answers, or says 503 with Retry-After; never a 500", arguments: Part.allCases)
    func oneDown(part: Part) async throws {
        let outcomes = try await walk(down: [part])
        for (call, status, _) in outcomes {
            #expect([200, 201, 202, 204, 404, 503].contains(status) || status == call.refusal, "\(part) down: \(call) answered \(status)")
        }
        let byRoute = Dictionary(outcomes.map { ($0.call.description, $0.status) }, uniquingKeysWith: { first, _ in first })
        let queries = ["POST /api/v1/rag/query", "POST /v1/chat/completions"].map { route in Self.calls.first { $0.route == route }!.description }
        let upload = Self.calls.first { $0.route == "POST /api/v1/documents" }!.description
        for query in queries {
            switch part {
            case .store, .index, .embedder: #expect(byRoute[query] == 503, "a query needs the \(part)")
            case .queue: #expect(byRoute[query] == 200 && byRoute[upload] == 503, "uploads need the queue, queries do not")
            }
        }
    }

    @Test("every back end down: every route that needs one answers 503 backend_unavailable; a stream ends with that error")
    func allDown() async throws {
        let outcomes = try await walk(down: Set(Part.allCases))
        for (call, status, body) in outcomes where call.usesBackends {
            #expect(status == 503, "\(call) answered \(status)")
            if call.route != "GET /ready" { #expect(body.contains(#""code":"backend_unavailable""#), "\(call): \(body)") }
        }
        let mcp = try #require(outcomes.first { $0.call.route == "POST /mcp" })
        #expect(mcp.status == 200 && mcp.body.contains(#""isError":true"#) && mcp.body.contains("unavailable"), "a tool's failure is its result: \(mcp.body)")
        let authority = try await Fixture.authority()
        let token = try await Fixture.token(authority, role: .admin)
        let application = Application(router: makeRouter(try Self.dependencies(down: Set(Part.allCases), authority: authority)))
        try await application.test(.router) { client in
            var headers = Fixture.bearer(token)
            headers[.contentType] = "application/json"
            let response = try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: headers,
                                                    body: ByteBuffer(string: #"{"query": "high water", "stream": true}"#))
            #expect(response.status == .ok, "the stream opens: the failure comes as an event")
            let text = String(buffer: response.body)
            #expect(text.contains("event: error") && text.contains(#""code":"backend_unavailable""#) && text.contains(#""field":null"#), "\(text)")
        }
    }

    @Test("an upload whose ingest cannot be queued leaves no document behind, and the same bytes go through once the queue is back")
    func nothingHalfWritten() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("half-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: directory.path + "/quarry.sqlite")
        let store = try SQLiteDocumentStore(database: database, files: directory.appendingPathComponent("files"))
        let indexer = ChunkIndexer(chunker: Chunker(counter: DocumentAndQueryAPITests.embedder.tokenizer), embedder: DocumentAndQueryAPITests.embedder,
                                   index: try EmbeddedVectorIndex(database: database))
        let down = IngestPipeline(store: store, queue: Down.Queue(), indexer: indexer, fetcher: NoNetwork())
        let text = Data("High water comes twice a day.".utf8)
        await #expect(throws: BackendUnavailable.self) { try await down.submit(text, tenant: "acme", uri: "upload:tides.txt", filename: "tides.txt") }
        #expect(try await store.records(tenant: "acme", limit: 10, offset: 0).isEmpty)
        let up = IngestPipeline(store: store, queue: try SQLiteJobQueue(database: database), indexer: indexer, fetcher: NoNetwork())
        let again = try await up.submit(text, tenant: "acme", uri: "upload:tides.txt", filename: "tides.txt")
        guard case .queued = again else { Issue.record("the retry was taken for a duplicate: \(again)"); return }
    }

    /// Each call's status and body, in order.
    func walk(down: Set<Part>) async throws -> [(call: Call, status: Int, body: String)] {
        let authority = try await Fixture.authority()
        let token = try await Fixture.token(authority, role: .admin)
        let application = Application(router: makeRouter(try Self.dependencies(down: down, authority: authority)))
        return try await application.test(.router) { client in
            var outcomes: [(call: Call, status: Int, body: String)] = []
            for call in Self.calls {
                var headers = Fixture.bearer(token)
                if let type = call.contentType { headers[.contentType] = type }
                if let accept = call.accept { headers[.accept] = accept }
                let response = try await client.execute(uri: call.uri, method: call.method, headers: headers, body: call.body.map { ByteBuffer(string: $0) })
                let status = Int(response.status.code)
                #expect(status != 500, "\(down) down: \(call): \(String(buffer: response.body))")
                if status >= 400, call.route.hasSuffix(" /mcp") {
                    // MCP's own refusals are JSON-RPC errors, which MCP clients read.
                    let object = try Fixture.json(response)
                    #expect(((object["error"] as? [String: Any])?["message"] as? String)?.isEmpty == false && object["jsonrpc"] as? String == "2.0", "\(call)")
                } else if status >= 400, call.route != "GET /ready" {
                    let error = try Fixture.errorBody(response)
                    #expect(!error.message.isEmpty, "\(call)")
                }
                if status == 503, call.route != "GET /ready" { #expect(response.headers[.retryAfter] != nil, "\(call)") }
                outcomes.append((call, status, String(buffer: response.body)))
            }
            return outcomes
        }
    }
}
