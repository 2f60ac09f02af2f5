import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryEngine
import QuarryHTTP
import QuarryServer
import QuarryTestSupport
import Testing

/// `/api/v1/index-jobs` over the real engine (SQLite store and queue, the model) with a worker run
/// by the test: submit, follow, list, cancel, refusals, tenants.
@Suite("index jobs API")
struct IndexJobAPITests {
    /// A root folder with three documents, an unreadable one and a file no job takes.
    static func root() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("manuals/old"), withIntermediateDirectories: true)
        try "Saturn's rings are made of ice and rock.".write(to: root.appendingPathComponent("saturn.txt"), atomically: true, encoding: .utf8)
        try "<html><head><title>Jupiter</title></head><body><p>Jupiter has the Great Red Spot, a storm.</p></body></html>"
            .write(to: root.appendingPathComponent("manuals/jupiter.html"), atomically: true, encoding: .utf8)
        try "Mars has two small moons, Phobos and Deimos.".write(to: root.appendingPathComponent("manuals/old/mars.txt"), atomically: true, encoding: .utf8)
        try Data().write(to: root.appendingPathComponent("manuals/empty.txt"))
        try "not a document".write(to: root.appendingPathComponent("manuals/photo.png"), atomically: true, encoding: .utf8)
        return root.resolvingSymlinksInPath()
    }

    static func submit(_ client: some TestClientProtocol, _ token: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/index-jobs", method: .post, headers: DocumentAndQueryAPITests.headers(token, json: true),
                                 body: ByteBuffer(string: body))
    }

    static func get(_ client: some TestClientProtocol, _ token: String, _ uri: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: Fixture.bearer(token))
    }

    static func drain(_ engine: DocumentAndQueryAPITests.Engine) async throws {
        while try await engine.worker.runOne() {}
    }

    @Test("paths → 202 and a status URL → a worker indexes them → per-stage counts, failures with reasons, rate; listed; other tenants see nothing")
    func lifecycle() async throws {
        let authority = try await Fixture.authority()
        let (editor, viewer) = (try await Fixture.token(authority, role: .editor), try await Fixture.token(authority, role: .viewer))
        let stranger = try await Fixture.token(authority, tenant: "globex", role: .admin)
        let root = try Self.root()
        let engine = try DocumentAndQueryAPITests.engine(indexRoot: IndexRoot(root.path))
        try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
            let created = try await Self.submit(client, editor, #"{"paths": ["saturn.txt", "\#(root.path)/manuals"]}"#)
            #expect(created.status == .accepted)
            let location = try #require(created.headers[.location])
            let body = try Fixture.json(created)
            #expect(body["status_url"] as? String == location && location.hasPrefix("/api/v1/index-jobs/"))
            #expect(body["status"] as? String == "queued" && body["total"] as? Int == 4)
            #expect((body["counts"] as? [String: Int])?["pending"] == 4)

            #expect(try await engine.worker.runOne())  // the submitting job: every item becomes a document
            let submitted = try Fixture.json(try await Self.get(client, viewer, location))
            #expect(submitted["status"] as? String == "running")
            #expect((submitted["counts"] as? [String: Int])?["queued"] == 3 && (submitted["counts"] as? [String: Int])?["failed"] == 1)

            try await Self.drain(engine)
            let done = try Fixture.json(try await Self.get(client, viewer, location))
            #expect(done["status"] as? String == "completed", "\(done)")
            let counts = try #require(done["counts"] as? [String: Int])
            #expect(counts["indexed"] == 3 && counts["failed"] == 1 && counts.values.reduce(0, +) == 4, "\(counts)")
            #expect(done["pages"] as? Int == 3 && (done["chunks"] as? Int ?? 0) >= 3)
            #expect((done["documents_per_second"] as? Double ?? 0) > 0 && done["finished_at"] is String)
            let failures = try #require(done["failures"] as? [[String: Any]])
            #expect(failures.count == 1 && failures[0]["source"] as? String == "\(root.path)/manuals/empty.txt")
            #expect(failures[0]["reason"] as? String == "the file is empty")

            let answer = try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: DocumentAndQueryAPITests.headers(viewer, json: true),
                                                  body: DocumentAndQueryAPITests.query("how many moons does Mars have?"))
            let citations = try #require(try Fixture.json(answer)["citations"] as? [[String: Any]])
            #expect(citations.first?["source"] as? String == "file://\(root.path)/manuals/old/mars.txt")

            let list = try Fixture.json(try await Self.get(client, viewer, "/api/v1/index-jobs"))
            let jobs = try #require(list["index_jobs"] as? [[String: Any]])
            #expect(jobs.count == 1 && jobs[0]["status"] as? String == "completed" && jobs[0]["failures"] == nil)

            #expect(try await Self.get(client, stranger, location).status == .notFound)
            #expect((try Fixture.json(try await Self.get(client, stranger, "/api/v1/index-jobs"))["index_jobs"] as? [Any])?.isEmpty == true)
            #expect(try await client.execute(uri: location + "/cancel", method: .post, headers: Fixture.bearer(stranger)).status == .notFound)
            #expect(try await Self.submit(client, viewer, #"{"paths": ["saturn.txt"]}"#).status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/index-jobs", method: .get).status == .unauthorized)

            let completed = try await client.execute(uri: location + "/cancel", method: .post, headers: Fixture.bearer(editor))
            let conflict = try Fixture.errorBody(completed)
            #expect(completed.status == .conflict && conflict.code == "already_completed")
        }
    }

    @Test("refused with a clear error, creating nothing: no root, outside it, missing, bad JSON, bad URLs, too many")
    func refusals() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let root = try Self.root()
        let engine = try DocumentAndQueryAPITests.engine(indexRoot: IndexRoot(root.appendingPathComponent("manuals").path))
        try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
            for (body, status, code) in [
                (#"{"paths": ["\#(root.path)/saturn.txt"]}"#, HTTPResponse.Status.forbidden, "path_refused"),
                (#"{"paths": ["../saturn.txt"]}"#, .forbidden, "path_refused"),
                (#"{"paths": ["/etc/passwd"]}"#, .forbidden, "path_refused"),
                (#"{"paths": ["nowhere"]}"#, .notFound, "path_not_found"),
                (#"{"urls": ["https://example.org/a.pdf", "file:///etc/passwd"]}"#, .unprocessableContent, "invalid_field"),
                (#"{}"#, .unprocessableContent, "invalid_field"),
                (#"{"paths": "old"}"#, .badRequest, "bad_request"),
                (#"{"paths": ["old"], "recursive": false}"#, .badRequest, "bad_request"),
                ("not json", .badRequest, "bad_request"),
            ] {
                let response = try await Self.submit(client, editor, body)
                #expect(response.status == status, "\(body)")
                #expect((try Fixture.errorBody(response).code) == code, "\(body)")
            }
            let fields = [
                (#"{"paths": ["jupiter.html", "nowhere"]}"#, "/paths/1"), (#"{"urls": ["https://example.org/a.pdf", "file:///etc/passwd"]}"#, "/urls/1"),
                (#"{"paths": "old"}"#, "/paths"), (#"{"paths": ["old"], "recursive": false}"#, "/recursive"),
            ]
            for (body, field) in fields {
                #expect(try Fixture.errorBody(try await Self.submit(client, editor, body)).field == field, "\(body)")
            }
            let urls = (0...10_000).map { "\"https://example.org/\($0)\"" }.joined(separator: ",")
            let tooMany = try await Self.submit(client, editor, #"{"urls": [\#(urls)]}"#)
            let tooManyError = try Fixture.errorBody(tooMany)
            #expect(tooMany.status == .contentTooLarge && tooManyError.message.contains("at most 10000"))
            #expect((try Fixture.json(try await Self.get(client, editor, "/api/v1/index-jobs"))["index_jobs"] as? [Any])?.isEmpty == true)
        }
        let unrooted = try DocumentAndQueryAPITests.engine()
        try await DocumentAndQueryAPITests.application(authority, unrooted).test(.router) { client in
            let response = try await Self.submit(client, editor, #"{"paths": ["\#(root.path)"]}"#)
            let error = try Fixture.errorBody(response)
            #expect(response.status == .forbidden && error.code == "paths_disabled")
        }
    }

    @Test("cancel: the job ends canceled, waiting documents are not indexed")
    func cancel() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let root = try Self.root()
        let engine = try DocumentAndQueryAPITests.engine(indexRoot: IndexRoot(root.path))
        try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
            let location = try #require(try await Self.submit(client, editor, #"{"paths": ["."]}"#).headers[.location])
            #expect(try await engine.worker.runOne())
            let canceled = try await client.execute(uri: location + "/cancel", method: .post, headers: Fixture.bearer(editor))
            let canceledBody = try Fixture.json(canceled)
            #expect(canceled.status == .ok && canceledBody["status"] as? String == "canceled")
            try await Self.drain(engine)
            let body = try Fixture.json(try await Self.get(client, editor, location))
            #expect(body["status"] as? String == "canceled" && (body["counts"] as? [String: Int])?["canceled"] == 3, "\(body)")
            #expect((body["counts"] as? [String: Int])?["indexed"] == 0)
            #expect(try await client.execute(uri: location + "/cancel", method: .post, headers: Fixture.bearer(editor)).status == .ok, "again: harmless")
        }
    }

    @Test("URLs: loopback ones fail with the guard's reason by default, and are fetched and indexed when private addresses are allowed")
    func urls() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        try await URLIngestTests.origin().test(.live) { origin in
            let base = "http://127.0.0.1:\(try #require(origin.port))"
            let body = #"{"urls": ["\#(base)/comets.html", "\#(base)/notes", "\#(base)/missing"]}"#
            for allowPrivate in [false, true] {
                let engine = try DocumentAndQueryAPITests.engine(fetcher: URLFetcher(urlGuard: URLGuard(allowPrivate: allowPrivate), maximumBytes: 100_000))
                try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
                    let location = try #require(try await Self.submit(client, editor, body).headers[.location])
                    try await Self.drain(engine)
                    let job = try Fixture.json(try await Self.get(client, editor, location))
                    let counts = try #require(job["counts"] as? [String: Int])
                    let reasons = (job["failures"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
                    if allowPrivate {
                        #expect(counts["indexed"] == 2 && counts["failed"] == 1, "\(job)")
                        #expect(reasons.count == 1 && reasons[0].contains("404"), "\(reasons)")
                    } else {
                        #expect(counts["failed"] == 3 && reasons.allSatisfy { $0.contains("allow_private_urls") }, "\(reasons)")
                    }
                }
            }
        }
    }
}
