import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import QuarryCore
import QuarryEmbedded
import QuarryEmbedding
import QuarryEngine
import QuarryHTTP
import QuarryServer
import QuarryWorkflow
import QuarryTestSupport
import Testing

/// `/api/v1/documents` and `/api/v1/rag/query` over the real engine: SQLite store, queue and
/// index in a temporary directory, the in-process model, a worker run by the test.
@Suite("documents and query API")
struct DocumentAndQueryAPITests {
    static let embedder = try! MiniLMEmbedder(directory: ModelFiles.directory)

    struct Engine {
        /// The data directory: the database and the files beside it.
        let directory: URL
        let pipeline: IngestPipeline
        let indexJobs: IndexJobs
        let worker: JobWorker
        let dependencies: ServerDependencies.Engine
    }

    static func engine(maximumUploadBytes: Int = 10_000_000, llm: LLMAnswerer? = nil, fetcher: any DocumentFetcher = NoNetwork(),
                       indexRoot: IndexRoot? = nil) throws -> Engine {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: directory.path + "/quarry.sqlite")
        let index = try EmbeddedVectorIndex(database: database)
        let store = try SQLiteDocumentStore(database: database, files: directory.appendingPathComponent("files"))
        let queue = try SQLiteJobQueue(database: database)
        let pipeline = IngestPipeline(store: store, queue: queue, indexer: ChunkIndexer(chunker: Chunker(counter: embedder.tokenizer), embedder: embedder, index: index),
                                      fetcher: fetcher)
        let retriever = Retriever(store: store, index: index, embedder: embedder, llm: llm, generation: { index.generation })
        let indexJobs = IndexJobs(store: store, pipeline: pipeline, root: indexRoot, maximumBytes: maximumUploadBytes)
        let worker = JobWorker(queue: queue, queueName: IngestPipeline.queueName, actors: indexJobs.actors)
        return Engine(directory: directory, pipeline: pipeline, indexJobs: indexJobs, worker: worker,
                      dependencies: ServerDependencies.Engine(pipeline: pipeline, indexJobs: indexJobs, retriever: retriever,
                                                              workflows: WorkflowEngine(workflows: store, runs: store, queue: queue,
                                                                                        registry: NodeRegistry.standard(retriever: retriever, indexJobs: indexJobs, chat: llm?.model, http: GuardedHTTP(urlGuard: URLGuard(allowPrivate: true)))),
                                                              credentials: Credentials(store: store, vault: try CredentialVault(key: Data(repeating: 7, count: 32))),
                                                              maximumUploadBytes: maximumUploadBytes, apiKeys: APIKeys(store: store)))
    }

    static func application(_ authority: TokenAuthority, _ engine: Engine) -> some ApplicationProtocol {
        Application(router: makeRouter(ServerDependencies(authority: authority, metrics: Fixture.metrics, readinessChecks: [], engine: engine.dependencies)))
    }

    static let boundary = "quarry-test-boundary"

    static func multipart(_ data: Data, filename: String, field: String = "file") -> ByteBuffer {
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body.append(data)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return ByteBuffer(bytes: body)
    }

    static func headers(_ token: String, json: Bool = false) -> HTTPFields {
        var headers = Fixture.bearer(token)
        headers[.contentType] = json ? "application/json" : "multipart/form-data; boundary=\(boundary)"
        return headers
    }

    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    static func query(_ text: String, extra: String = "") -> ByteBuffer {
        ByteBuffer(string: #"{"query": "\#(text)"\#(extra)}"#)
    }

    @Test("upload → 202 and a status URL → indexed by the worker → cited in an answer; delete removes it")
    func lifecycle() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let engine = try Self.engine()
        let text = Data("Saturn's rings are made of ice and rock, from dust grains to boulders.\n\nJupiter has the Great Red Spot.".utf8)
        try await Self.application(authority, engine).test(.router) { client in
            var location = ""
            try await client.execute(uri: "/api/v1/documents", method: .post, headers: Self.headers(editor), body: Self.multipart(text, filename: "planets.txt")) { (response) throws in
                #expect(response.status == .accepted)
                location = try #require(response.headers[.location])
                let body = try Self.json(response.body)
                #expect(body["status"] as? String == "queued" && body["status_url"] as? String == location)
            }
            // The same bytes again: nothing new to do.
            try await client.execute(uri: "/api/v1/documents", method: .post, headers: Self.headers(editor), body: Self.multipart(text, filename: "again.txt")) { (response) throws in
                #expect(response.status == .ok)
            }
            #expect(try await engine.worker.runOne())
            try await client.execute(uri: location, method: .get, headers: Fixture.bearer(editor)) { (response) throws in
                let body = try Self.json(response.body)
                #expect(body["status"] as? String == "indexed")
                let progress = try #require(body["progress"] as? [String: Int])
                #expect(progress["chunks"] == progress["chunks_indexed"] && progress["stage"] == progress["stages"])
                #expect((body["source"] as? [String: Any])?["media_type"] as? String == "text/plain")
            }
            try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: Self.headers(editor, json: true),
                                     body: Self.query("what are saturn's rings made of?")) { (response) throws in
                #expect(response.status == .ok)
                let body = try Self.json(response.body)
                let answer = try #require(body["answer"] as? [String: Any])
                #expect((answer["text"] as? String)?.contains("ice and rock") == true && answer["found"] as? Bool == true)
                let citations = try #require(body["citations"] as? [[String: Any]])
                #expect(citations.first?["source"] as? String == "upload:planets.txt")
                #expect(citations.first?["document_id"] as? String == location.split(separator: "/").last.map(String.init))
                #expect(citations.first?["char_start"] as? Int == 0 && (citations.first?["char_end"] as? Int ?? 0) > 0)
                let hit = try #require((body["hits"] as? [[String: Any]])?.first)
                #expect(Set(hit.keys) == ["chunk_id", "document_id", "title", "score", "text", "heading_path", "page_start", "page_end"])
                #expect((body["timings"] as? [String: Double])?["total"] != nil)
            }
            // The same question streamed: the sources, the extractive answer in one piece, the whole response.
            try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: Self.headers(editor, json: true),
                                     body: Self.query("what are saturn's rings made of?", extra: #", "stream": true"#)) { (response) throws in
                #expect(response.status == .ok && response.headers[.contentType] == "text/event-stream")
                var reader = ServerSentEventReader()
                let events = reader.feed(Data(buffer: response.body))
                #expect(events.map(\.name) == ["retrieved", "answer", "done"])
                let piece = try #require(try JSONSerialization.jsonObject(with: Data(events[1].data.utf8)) as? [String: String])
                let done = try #require(try JSONSerialization.jsonObject(with: Data(events[2].data.utf8)) as? [String: Any])
                #expect((done["answer"] as? [String: Any])?["text"] as? String == piece["text"])
                #expect(piece["text"]?.contains("ice and rock") == true)
            }
            try await client.execute(uri: "/api/v1/documents", method: .get, headers: Fixture.bearer(editor)) { (response) throws in
                #expect((try Self.json(response.body)["documents"] as? [[String: Any]])?.count == 1)
            }
            try await client.execute(uri: location, method: .delete, headers: Fixture.bearer(editor)) { (response) throws in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: location, method: .get, headers: Fixture.bearer(editor)) { (response) throws in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: Self.headers(editor, json: true),
                                     body: Self.query("saturn rings", extra: #", "mode": "sparse""#)) { (response) throws in
                #expect((try Self.json(response.body)["citations"] as? [[String: Any]])?.isEmpty == true)
            }
        }
    }

    @Test("another tenant neither sees, reads the bytes of, finds nor deletes the document; viewers read but cannot upload")
    func tenancy() async throws {
        let authority = try await Fixture.authority()
        let owner = try await Fixture.token(authority, tenant: "acme", role: .editor)
        let stranger = try await Fixture.token(authority, tenant: "globex", role: .admin)
        let viewer = try await Fixture.token(authority, tenant: "acme", role: .viewer)
        let engine = try Self.engine()
        try await Self.application(authority, engine).test(.router) { client in
            var location = ""
            try await client.execute(uri: "/api/v1/documents", method: .post, headers: Self.headers(owner),
                                     body: Self.multipart(Data("The secret launch date is the ninth of March.".utf8), filename: "plan.txt")) { (response) throws in
                location = try #require(response.headers[.location])
            }
            #expect(try await engine.worker.runOne())
            try await client.execute(uri: location, method: .get, headers: Fixture.bearer(stranger)) { #expect($0.status == .notFound) }
            try await client.execute(uri: location + "/content", method: .get, headers: Fixture.bearer(stranger)) { #expect($0.status == .notFound) }
            try await client.execute(uri: location + "/content", method: .get, headers: Fixture.bearer(viewer)) { response in
                // The bytes as uploaded, for the UI's viewer; sandboxed, so an HTML source runs nothing on Quarry's origin.
                #expect(String(buffer: response.body) == "The secret launch date is the ninth of March.")
                #expect(response.headers[.contentType] == "text/plain")
                #expect(response.headers[HTTPField.Name("Content-Security-Policy")!] == "sandbox")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            }
            try await client.execute(uri: location, method: .delete, headers: Fixture.bearer(stranger)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: Self.headers(stranger, json: true),
                                     body: Self.query("secret launch date")) { (response) throws in
                #expect((try Self.json(response.body)["hits"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "/api/v1/documents", method: .post, headers: Self.headers(viewer),
                                     body: Self.multipart(Data("x".utf8), filename: "x.txt")) { #expect($0.status == .forbidden) }
            try await client.execute(uri: location, method: .get, headers: Fixture.bearer(owner)) { #expect($0.status == .ok) }
        }
    }

    @Test("bad uploads and bad queries get a clear 4xx and the server keeps serving")
    func badInput() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let engine = try Self.engine(maximumUploadBytes: 1000)
        try await Self.application(authority, engine).test(.router) { client in
            func expectError(_ status: HTTPResponse.Status, _ response: TestResponse, _ fragment: String, field: String? = nil) throws {
                #expect(response.status == status, "\(String(buffer: response.body))")
                let error = try #require(try Self.json(response.body)["error"] as? [String: Any])
                #expect((error["message"] as? String)?.contains(fragment) == true, "\(error)")
                #expect(error["field"] as? String == field, "\(error)")
            }
            let upload = { (body: ByteBuffer, contentType: String?) async throws -> TestResponse in
                var headers = Fixture.bearer(editor)
                if let contentType { headers[.contentType] = contentType }
                return try await client.execute(uri: "/api/v1/documents", method: .post, headers: headers, body: body)
            }
            try expectError(.contentTooLarge, try await upload(Self.multipart(Data(repeating: 65, count: 5000), filename: "big.txt"), "multipart/form-data; boundary=\(Self.boundary)"), "limited to")
            try expectError(.unsupportedMediaType, try await upload(Self.multipart(Data("GIF89a".utf8), filename: "cat.gif"), "multipart/form-data; boundary=\(Self.boundary)"), "unsupported document type", field: "/file")
            try expectError(.unsupportedMediaType, try await upload(ByteBuffer(string: "raw"), "application/pdf"), "multipart/form-data")
            try expectError(.badRequest, try await upload(ByteBuffer(string: "--\(Self.boundary)\r\ngarbage"), "multipart/form-data; boundary=\(Self.boundary)"), "malformed multipart")
            try expectError(.badRequest, try await upload(Self.multipart(Data("hello".utf8), filename: "a.txt", field: "other"), "multipart/form-data; boundary=\(Self.boundary)"), "no part named", field: "/file")
            // Counted before any part is read: boundaries alone are enough.
            let crowded = String(repeating: "--\(Self.boundary)\r\n", count: 18) + "--\(Self.boundary)--\r\n"
            try expectError(.badRequest, try await upload(ByteBuffer(string: crowded), "multipart/form-data; boundary=\(Self.boundary)"), "more than 16 parts")

            let ask = { (body: String) async throws -> TestResponse in
                try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: Self.headers(editor, json: true), body: ByteBuffer(string: body))
            }
            // Reads, but cannot be done: 422 with the field.
            try expectError(.unprocessableContent, try await ask(#"{"query": "   "}"#), "query is empty", field: "/query")
            try expectError(.unprocessableContent, try await ask(#"{"query": "\#(String(repeating: "word ", count: 2000))"}"#), "at most", field: "/query")
            try expectError(.unprocessableContent, try await ask(#"{"query": "q", "top_k": 0}"#), "top_k", field: "/top_k")
            try expectError(.unprocessableContent, try await ask(#"{"query": "q", "top_k": 1000000}"#), "top_k", field: "/top_k")
            try expectError(.unprocessableContent, try await ask(#"{"query": "q", "document_ids": ["no-such-document"]}"#), "unknown document", field: "/document_ids")
            let ids = (0...1000).map { #""d\#($0)""# }.joined(separator: ",")
            try expectError(.unprocessableContent, try await ask(#"{"query": "q", "document_ids": [\#(ids)]}"#), "1001 ids; at most 1000", field: "/document_ids")
            let filters = (0...32).map { #""k\#($0)": "v""# }.joined(separator: ",")
            try expectError(.unprocessableContent, try await ask(#"{"query": "q", "filters": {\#(filters)}}"#), "33 pairs; at most 32", field: "/filters")
            try expectError(.unprocessableContent, try await ask(#"{"query": "q", "filters": {"\#(String(repeating: "k", count: 129))": "v"}}"#), "at most 128", field: "/filters")
            try expectError(.unprocessableContent, try await ask(#"{"query": "q", "filters": {"lang": "\#(String(repeating: "é", count: 1025))"}}"#), "at most 1024", field: "/filters")
            try expectError(.unprocessableContent, try await ask(#"{"query": "q", "answer": "llm"}"#), "not available", field: "/answer")
            try expectError(.unprocessableContent, try await ask(#"{"query": "q", "answer": "llm", "stream": true}"#), "not available", field: "/answer")
            // Does not read: 400 with the field.
            try expectError(.badRequest, try await ask(#"{"query": "q", "mode": "psychic"}"#), "hybrid, dense, sparse", field: "/mode")
            try expectError(.badRequest, try await ask(#"{"query": "q", "filter": {"lang": "en"}}"#), "unknown field", field: "/filter")
            try expectError(.badRequest, try await ask(#"{"query": "q", "stream": "yes"}"#), "true or false", field: "/stream")
            try expectError(.badRequest, try await ask(#"{"query": "q", "filters": {"lang": 3}}"#), "must be a string", field: "/filters/lang")
            try expectError(.badRequest, try await ask(#"{"query": "q", "document_ids": ["a", 7]}"#), "must be a string", field: "/document_ids/1")
            try expectError(.badRequest, try await ask(#"{"top_k": 3}"#), "is required", field: "/query")
            try expectError(.badRequest, try await ask(#"["q"]"#), "JSON object")
            try expectError(.badRequest, try await ask(#"{"query": "#), "not valid JSON")
            try await client.execute(uri: "/api/v1/documents?limit=abc", method: .get, headers: Fixture.bearer(editor)) { (response) throws in
                try expectError(.badRequest, response, "limit must be an integer", field: "limit")
            }
            try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: Self.headers(editor, json: true), body: Self.query("still serving")) { (response) throws in
                #expect(response.status == .ok)
            }
        }
    }
}
