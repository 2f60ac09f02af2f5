import Foundation
import QuarryTestSupport
import Testing

@Suite("quarry serve and quarry token create, as a user runs them", .serialized)
struct ServeCommandTests {
    static func temporaryData() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("quarry-e2e-\(UUID().uuidString)").path
    }

    @Test("first start prints the URL and an admin token; 401 without or with a forged token; token create works; metrics count; SIGTERM exits 0")
    func firstStart() throws {
        let data = Self.temporaryData()
        let server = try ServeProcess(data: data)
        var stopped = false
        defer { if !stopped { _ = server.terminate() } }

        let admin = try #require(server.firstAdminToken, "announcement: \(server.announcement)")
        let secretFile = data + "/jwt-secret"
        #expect((try FileManager.default.attributesOfItem(atPath: secretFile)[.posixPermissions] as? Int) == 0o600)
        let secret = try String(contentsOfFile: secretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        #expect(try server.get("/health").status == 200)
        #expect(try server.get("/ready").body.contains(#""status":"ready""#))

        let me = try server.get("/api/v1/me", token: admin)
        #expect(me.status == 200)
        #expect(me.body.contains(#""tenant":"default""#) && me.body.contains(#""roles":["admin"]"#))

        #expect(try server.get("/api/v1/me").status == 401)
        let forged = try #require(try QuarryBinary.run(
            ["token", "create", "--tenant", "default", "--role", "admin", "--data", Self.temporaryData()]
        ).standardOutput.split(separator: "\n").first.map(String.init))
        #expect(try server.get("/api/v1/me", token: forged).status == 401)

        // token create prints the token alone, signed with the server's secret.
        let created = try QuarryBinary.run(["token", "create", "--tenant", "acme", "--role", "viewer", "--ttl", "300", "--data", data])
        #expect(created.status == 0)
        let token = try #require(created.standardOutput.split(separator: "\n").first.map(String.init))
        #expect(created.standardOutput == token + "\n")
        #expect(token.split(separator: ".").count == 3)
        let viewer = try server.get("/api/v1/me", token: token)
        #expect(viewer.status == 200)
        #expect(viewer.body.contains(#""tenant":"acme""#))

        let metrics = try server.get("/metrics").body
        #expect(metrics.contains(#"hb_requests{http_route="/api/v1/me""#))
        #expect(metrics.contains("http_server_request_duration_bucket"))

        #expect(server.terminate() == 0)
        stopped = true
        let log = server.log
        #expect(log.contains("listening"))
        #expect(!log.contains(secret), "the secret must never be logged")
        #expect(!log.contains(admin) && !log.contains(token), "tokens must never be logged")
    }

    @Test("on Qdrant that is down at start: the server runs, /ready says why, queries answer 503; once Qdrant is up, both recover")
    func qdrantDownAtStart() throws {
        let qdrant = try QdrantTestServer()
        qdrant.stop()
        let server = try ServeProcess(data: Self.temporaryData(), environment: ["QUARRY_VECTOR_STORE": "qdrant", "QUARRY_QDRANT_URL": qdrant.url])
        defer { _ = server.terminate() }
        let admin = try #require(server.firstAdminToken)

        let down = try server.get("/ready")
        #expect(down.status == 503)
        #expect(down.body.contains(#""kind":"qdrant""#) && down.body.contains("unreachable"), "\(down.body)")
        let refused = try server.post("/api/v1/rag/query", token: admin, body: #"{"query": "tides and the moon"}"#)
        #expect(refused.status == 503 && refused.body.contains("backend_unavailable"), "\(refused.body)")

        try qdrant.start()
        let up = try server.get("/ready")
        #expect(up.status == 200 && up.body.contains(#""kind":"qdrant""#), "\(up.body)")
        let answered = try server.post("/api/v1/rag/query", token: admin, body: #"{"query": "tides and the moon"}"#)
        #expect(answered.status == 200 && answered.body.contains(#""hits":[]"#), "\(answered.body)")
    }

    @Test("on MongoDB that is down at start: the server runs, /ready says why, uploads answer 503; once it is up, both recover")
    func mongodbDownAtStart() throws {
        let mongo = try MongoTestServer()
        mongo.stop()
        let server = try ServeProcess(data: Self.temporaryData(), environment: ["QUARRY_DOCUMENT_STORE": "mongodb", "QUARRY_MONGODB_URI": mongo.uri()])
        defer { _ = server.terminate() }
        let admin = try #require(server.firstAdminToken)

        let down = try server.get("/ready")
        #expect(down.status == 503)
        #expect(down.body.contains(#""kind":"mongodb""#) && down.body.contains("127.0.0.1:\(mongo.port)"), "\(down.body)")
        let html = repositoryRoot.appendingPathComponent("corpora/html/python-tutorial-appendix.html").path
        let refused = try server.upload("/api/v1/documents", token: admin, file: html)
        #expect(refused.status == 503 && refused.body.contains("backend_unavailable"), "\(refused.body)")

        try mongo.start()
        let up = try server.get("/ready")
        #expect(up.status == 200 && up.body.contains(#""kind":"mongodb""#), "\(up.body)")
        let accepted = try server.upload("/api/v1/documents", token: admin, file: html)
        #expect(accepted.status == 202, "\(accepted.body)")
        let listed = try server.get("/api/v1/documents", token: admin)
        #expect(listed.status == 200 && listed.body.contains("python-tutorial-appendix.html"), "\(listed.body)")
    }

    @Test("a second start reuses the secret and prints no new admin token")
    func secondStart() throws {
        let data = Self.temporaryData()
        let first = try ServeProcess(data: data)
        let admin = try #require(first.firstAdminToken)
        #expect(first.terminate() == 0)

        let second = try ServeProcess(data: data, environment: ["QUARRY_LOG_FORMAT": "json"])
        #expect(second.firstAdminToken == nil)
        #expect(second.announcement.contains { $0.hasPrefix("Mint a token with: quarry token create") })
        #expect(try second.get("/api/v1/me", token: admin).status == 200)
        #expect(try second.get("/api/v1/me", token: admin + "x").status == 401)
        #expect(second.terminate() == 0)

        // JSON logs: one object per line, the refusal carrying its request id.
        let lines = second.log.split(separator: "\n")
        #expect(!lines.isEmpty)
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.allSatisfy { $0["level"] is String && $0["message"] is String && $0["time"] is String })
        let refusal = try #require(objects.first { $0["message"] as? String == "request refused" })
        #expect((refusal["hb.request.id"] as? String)?.isEmpty == false)
        #expect(refusal["reason"] as? String == "token signature does not verify")
    }

    @Test("a server configured with embedder openai embeds through another Quarry's /v1/embeddings")
    func remoteEmbedder() throws {
        let upstream = try ServeProcess(data: Self.temporaryData())
        defer { _ = upstream.terminate() }
        let upstreamToken = try #require(upstream.firstAdminToken)
        let downstream = try ServeProcess(data: Self.temporaryData(), environment: [
            "QUARRY_EMBEDDER": "openai", "QUARRY_EMBEDDER_URL": upstream.url + "/v1",
            "QUARRY_EMBEDDER_MODEL": "all-MiniLM-L6-v2", "QUARRY_EMBEDDER_API_KEY": upstreamToken,
        ])
        defer { _ = downstream.terminate() }
        let downstreamToken = try #require(downstream.firstAdminToken)
        let body = #"{"input": ["hello there"], "encoding_format": "float"}"#
        let viaDownstream = try downstream.post("/v1/embeddings", token: downstreamToken, body: body)
        let direct = try upstream.post("/v1/embeddings", token: upstreamToken, body: body)
        #expect(viaDownstream.status == 200 && direct.status == 200)
        func vector(_ text: String) throws -> [Double] {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let data = try #require(json["data"] as? [[String: Any]])
            return try #require(data.first?["embedding"] as? [Double])
        }
        let remote = try vector(viaDownstream.body), local = try vector(direct.body)
        #expect(remote.count == 384 && zip(remote, local).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(!downstream.log.contains(upstreamToken), "the upstream key must never be logged")
    }

    @Test("bad configuration stops the start with one line naming the key", arguments: [
        (["QUARRY_JWT_SECRET": "short-secret"], [String](), "jwt_secret (from QUARRY_JWT_SECRET)"),
        (["QUARRY_VECTOR_STORE": "pinecone"], [], "unknown back end 'pinecone'"),
        (["QUARRY_DOCUMENT_STORE": "oracle"], [], "document_store (from QUARRY_DOCUMENT_STORE)"),
        ([:], ["--port", "99999"], "port (from --port)"),
        (["QUARRY_LOG_FORMAT": "xml"], [], "log_format"),
    ])
    func badConfiguration(environment: [String: String], flags: [String], expected: String) throws {
        let result = try QuarryBinary.run(["serve", "--data", Self.temporaryData()] + flags, environment: environment)
        #expect(result.status == 78)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.standardError)")
        #expect(result.standardError.hasPrefix("quarry: configuration: "))
        #expect(result.standardError.contains(expected), "stderr: \(result.standardError)")
        #expect(!result.standardError.contains("short-secret"))
    }

    @Test("a data directory that is a file stops the start with the reason")
    func dataIsAFile() throws {
        let path = Self.temporaryData()
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        let result = try QuarryBinary.run(["serve", "--data", path])
        #expect(result.status == 78)
        #expect(result.standardError == "quarry: configuration: data (from \(path)): exists and is not a directory\n")
    }

    @Test("token create refuses an unknown role or a bad tenant", arguments: [
        ["--tenant", "acme", "--role", "owner"], ["--tenant", "a b", "--role", "viewer"], ["--tenant", "acme", "--role", "viewer", "--ttl", "0"],
    ])
    func tokenCreateValidation(arguments: [String]) throws {
        let result = try QuarryBinary.run(["token", "create", "--data", Self.temporaryData()] + arguments)
        #expect(result.status != 0)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.contains("Error:"))
    }

    @Test("a port already in use is a one-line error, not a crash")
    func portInUse() throws {
        let data = Self.temporaryData()
        let server = try ServeProcess(data: data)
        defer { _ = server.terminate() }
        let port = try #require(server.url.split(separator: ":").last.map(String.init))
        let result = try QuarryBinary.run(["serve", "--data", data, "--port", port])
        #expect(result.status == 1)
        #expect(result.standardError.contains("quarry: cannot serve on 127.0.0.1:\(port)"), "stderr: \(result.standardError)")
    }
}
