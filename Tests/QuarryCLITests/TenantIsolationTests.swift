import Foundation
import QuarryTestSupport
import Testing

/// One tenant (alpha) owns one of everything; another (beta) calls every documented route with
/// alpha's ids, names and filters, against a real `quarry serve` on the embedded back ends and on
/// Redis + MongoDB + Qdrant with a worker apart. Beta reads nothing of alpha's, writes nothing of
/// alpha's, and cannot tell alpha's ids from ids nobody has: each answer is the one a made-up id
/// gets. Alpha's viewers cannot write or run. Afterwards alpha finds everything as it left it.
@Suite("tenant isolation, adversarially", .serialized)
struct TenantIsolationTests {
    enum Deployment: String, CaseIterable, CustomTestStringConvertible {
        case embedded, production
        var testDescription: String { rawValue }
    }

    /// Routes that hold nothing of any tenant's: beta may call them as alpha does.
    static let tenantFree: [String: String] = [
        "GET /health": "liveness", "GET /ready": "back ends' readiness", "GET /metrics": "counters without tenant labels (checked below)",
        "GET /api/v1/openapi.json": "the API's description", "GET /api/v1/node-types": "the server's node types",
        "GET /api/v1/credential-types": "the server's credential types",
        "GET /api/v1/eval/runs": "the operator's `quarry eval` records over public datasets (admins of any tenant)",
        "GET /api/v1/eval/runs/{name}": "the same",
        "POST /v1/embeddings": "vectors of the caller's own text",
        "GET /v1/models": "the server's model names",
        "POST /api/v1/auth/token": "a key is the credential: it yields its own tenant's token (checked below)",
        "POST /api/v1/hooks/{workflow}/{secret}": "the secret is the credential (a wrong one is checked below)",
    ]

    /// A server (and, for production, its worker and back ends) with three callers' tokens.
    final class Stack {
        let server: ServeProcess
        let environment: [String: String]
        let data: String
        private var worker: Process?
        private let services: [AnyObject]

        /// `extra`: more settings for the server and the worker.
        init(_ deployment: Deployment, indexRoot: URL, extra: [String: String] = [:]) throws {
            data = ServeCommandTests.temporaryData()
            var environment = ["QUARRY_INDEX_ROOT": indexRoot.path].merging(extra) { $1 }
            var services: [AnyObject] = []
            if deployment == .production {
                let (redis, mongo, qdrant) = (try RedisTestServer(), try MongoTestServer(), try QdrantTestServer())
                services = [redis, mongo, qdrant]
                environment.merge([
                    "QUARRY_QUEUE": "redis", "QUARRY_REDIS_URL": redis.url,
                    "QUARRY_DOCUMENT_STORE": "mongodb", "QUARRY_MONGODB_URI": mongo.uri(),
                    "QUARRY_VECTOR_STORE": "qdrant", "QUARRY_QDRANT_URL": qdrant.url,
                ]) { $1 }
            }
            self.services = services
            self.environment = environment
            server = try ServeProcess(data: data, environment: environment)
            if deployment == .production {
                let worker = Process()
                worker.executableURL = URL(fileURLWithPath: QuarryBinary.path)
                worker.arguments = ["worker", "--port", "0", "--data", data]
                worker.environment = QuarryBinary.environment(environment)
                worker.standardError = FileHandle.nullDevice
                try worker.run()
                self.worker = worker
            }
        }

        func token(_ tenant: String, _ role: String) throws -> String {
            try QuarryBinary.run(["token", "create", "--tenant", tenant, "--role", role, "--data", data], environment: environment)
                .standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func stop() {
            _ = server.terminate()
            if let worker, worker.isRunning { _ = worker.stop() }
        }
    }

    /// What alpha made: one of each kind of object.
    struct Alpha {
        var document = "", indexJob = "", run = "", credential = "", apiKeyID = "", apiKey = "", hook = ""
        let workflow = "alpha-flow"
    }

    static func json(_ reply: ServeProcess.Reply) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any], "\(reply.status) \(reply.body)")
    }

    static func wait(seconds: Double = 120, until done: () throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !done(), Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
    }

    @Test("every route, called by another tenant with alpha's ids and filters: 0 reads, 0 writes, no existence leak; viewers neither write nor run",
          arguments: Deployment.allCases)
    func isolation(deployment: Deployment) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("isolation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "Alpha's private ledger: the harbour fees for the schooner Halcyon are 412 crowns.".write(
            to: folder.appendingPathComponent("ledger.txt"), atomically: true, encoding: .utf8)
        let stack = try Stack(deployment, indexRoot: folder)
        defer { stack.stop() }
        let server = stack.server
        let (alphaAdmin, alphaViewer, beta) = (try stack.token("alpha", "admin"), try stack.token("alpha", "viewer"), try stack.token("beta", "admin"))

        // Alpha makes one of everything.
        var alpha = Alpha()
        let html = repositoryRoot.appendingPathComponent("corpora/html/python-tutorial-appendix.html").path
        alpha.document = try #require(try Self.json(server.upload("/api/v1/documents", token: alphaAdmin, file: html))["id"] as? String)
        let job = try server.post("/api/v1/index-jobs", token: alphaAdmin, body: #"{"paths": ["ledger.txt"]}"#)
        alpha.indexJob = try #require(try Self.json(job)["id"] as? String)
        try await Self.wait { try server.get("/api/v1/documents/\(alpha.document)", token: alphaAdmin).body.contains(#""status":"indexed""#) }
        try await Self.wait { try server.get("/api/v1/index-jobs/\(alpha.indexJob)", token: alphaAdmin).body.contains(#""status":"completed""#) }
        let workflow = #"{"id": "alpha-flow", "name": "alpha's flow", "nodes": [{"id": "start", "type": "trigger", "config": {}}, "#
            + #"{"id": "gate", "type": "approval", "config": {"message": "alpha's secret plan"}}], "edges": [{"from": "start", "to": "gate"}]}"#
        #expect(try server.post("/api/v1/workflows", token: alphaAdmin, body: workflow).status == 201)
        alpha.run = try #require(try Self.json(server.post("/api/v1/workflows/alpha-flow/run", token: alphaAdmin, body: #"{"inputs": {"q": "alpha"}}"#))["id"] as? String)
        try await Self.wait { try server.get("/api/v1/runs/\(alpha.run)", token: alphaAdmin).body.contains(#""awaiting""#) }
        let hookURL = try #require(try Self.json(server.post("/api/v1/workflows/alpha-flow/hook", token: alphaAdmin, body: "{}"))["url"] as? String)
        alpha.hook = String(try #require(hookURL.split(separator: "/").last))
        alpha.credential = try #require(try Self.json(server.post("/api/v1/credentials", token: alphaAdmin,
                                                                   body: #"{"type": "notion", "name": "alpha wiki", "fields": {"token": "ntn_alpha_secret"}}"#))["id"] as? String)
        let key = try Self.json(server.post("/api/v1/api-keys", token: alphaAdmin, body: #"{"name": "alpha bot", "role": "viewer"}"#))
        (alpha.apiKeyID, alpha.apiKey) = (try #require(key["id"] as? String), try #require(key["key"] as? String))
        let question = #"{"query": "interactive mode and the interpreter"}"#
        #expect(try server.post("/api/v1/rag/query", token: alphaAdmin, body: question).body.contains(alpha.document), "alpha's answer (now cached)")

        // Everything of alpha's that beta's answers must never contain.
        let alphaMarks = [alpha.document, alpha.indexJob, alpha.run, alpha.credential, alpha.apiKeyID, alpha.hook, "alpha's", "ntn_alpha_secret",
                          "Halcyon", "python-tutorial-appendix", "alpha wiki", "alpha bot"]
        var covered: Set<String> = []
        /// Alpha's marks in an answer to beta, but for those beta sent itself (a 404 names the id it was asked for).
        func leaks(_ reply: ServeProcess.Reply, sent: String = "") -> [String] { alphaMarks.filter { reply.body.contains($0) && !sent.contains($0) } }

        /// Beta calls `route` at `path` (alpha's ids in it); the same call with each of alpha's ids
        /// made up answers the same, word for word but for the id.
        func probe(_ route: String, _ path: String, json: String? = nil, accept: String? = nil, expect status: Int? = nil) throws {
            covered.insert(route)
            let method = String(route.split(separator: " ")[0])
            let reply = try server.call(method, path, token: beta, json: json, accept: accept)
            #expect(leaks(reply, sent: path + (json ?? "")).isEmpty, "\(route): \(reply.status) \(reply.body)")
            if let status { #expect(reply.status == status, "\(route): \(reply.status) \(reply.body)") }
            var made = (path, json ?? "")
            var alphaIDs: [String: String] = [:]
            for id in [alpha.document, alpha.indexJob, alpha.run, alpha.credential, alpha.apiKeyID, alpha.hook, alpha.workflow] where made.0.contains(id) || made.1.contains(id) {
                let fake = id == alpha.workflow ? "nobody-flow" : String(repeating: "0", count: id.count)
                made = (made.0.replacingOccurrences(of: id, with: fake), made.1.replacingOccurrences(of: id, with: fake))
                alphaIDs[fake] = id
            }
            guard !alphaIDs.isEmpty else { return }
            let twin = try server.call(method, made.0, token: beta, json: json == nil ? nil : made.1, accept: accept)
            var twinBody = twin.body
            for (fake, id) in alphaIDs { twinBody = twinBody.replacingOccurrences(of: fake, with: id) }
            #expect(reply.status == twin.status && Self.same(reply.body, twinBody),
                    "\(route): alpha's id answers \(reply.status) \(reply.body); a made-up one \(twin.status) \(twin.body)")
            // MCP refuses inside its 200: a JSON-RPC error.
            let refused = reply.status >= 400 || (route == "POST /mcp" && (try? Self.json(reply))?["error"] != nil)
            #expect(refused || method == "GET", "\(route) did something with alpha's id: \(reply.status) \(reply.body)")
        }

        let (d, j, r, c, k) = (alpha.document, alpha.indexJob, alpha.run, alpha.credential, alpha.apiKeyID)
        try probe("GET /api/v1/me", "/api/v1/me", expect: 200)
        try probe("GET /api/v1/documents", "/api/v1/documents", expect: 200)
        try probe("GET /api/v1/documents/{id}", "/api/v1/documents/\(d)", expect: 404)
        try probe("GET /api/v1/documents/{id}/content", "/api/v1/documents/\(d)/content", expect: 404)
        try probe("DELETE /api/v1/documents/{id}", "/api/v1/documents/\(d)", expect: 404)
        try probe("GET /api/v1/index-jobs", "/api/v1/index-jobs", expect: 200)
        try probe("GET /api/v1/index-jobs/{id}", "/api/v1/index-jobs/\(j)", expect: 404)
        try probe("POST /api/v1/index-jobs/{id}/cancel", "/api/v1/index-jobs/\(j)/cancel", expect: 404)
        // The question alpha asked (its answer is in the cache), by alpha's document, by alpha's metadata.
        try probe("POST /api/v1/rag/query", "/api/v1/rag/query", json: question, expect: 200)
        try probe("POST /api/v1/rag/query", "/api/v1/rag/query", json: #"{"query": "interactive mode", "stream": true}"#, expect: 200)
        try probe("POST /api/v1/rag/query", "/api/v1/rag/query", json: #"{"query": "interactive mode", "document_ids": ["\#(d)"]}"#, expect: 422)
        try probe("POST /api/v1/rag/query", "/api/v1/rag/query", json: #"{"query": "harbour fees Halcyon", "filters": {"encoding": "utf-8"}}"#, expect: 200)
        try probe("POST /api/v1/rag/query", "/api/v1/rag/query", json: #"{"query": "harbour fees Halcyon", "mode": "sparse"}"#, expect: 200)
        // The same through OpenAI's chat API and the MCP server.
        try probe("POST /v1/chat/completions", "/v1/chat/completions", json: #"{"model": "quarry", "messages": [{"role": "user", "content": "interactive mode and the interpreter"}]}"#, expect: 200)
        try probe("POST /v1/chat/completions", "/v1/chat/completions",
                  json: #"{"model": "quarry", "stream": true, "document_ids": ["\#(d)"], "messages": [{"role": "user", "content": "interactive mode"}]}"#, expect: 422)
        let mcpAccept = "application/json, text/event-stream"
        for call in [#""method": "tools/call", "params": {"name": "search", "arguments": {"query": "harbour fees Halcyon", "mode": "sparse"}}"#,
                     #""method": "tools/call", "params": {"name": "ask", "arguments": {"query": "interactive mode and the interpreter"}}"#,
                     #""method": "tools/call", "params": {"name": "list_documents", "arguments": {}}"#,
                     #""method": "tools/call", "params": {"name": "get_document_text", "arguments": {"document_id": "\#(d)"}}"#,
                     #""method": "tools/call", "params": {"name": "search", "arguments": {"query": "interactive mode", "document_ids": ["\#(d)"]}}"#,
                     #""method": "resources/read", "params": {"uri": "quarry://documents/\#(d)/pages/1"}"#,
                     #""method": "resources/list""#] {
            try probe("POST /mcp", "/mcp", json: #"{"jsonrpc": "2.0", "id": 1, "#  + call + "}", accept: mcpAccept, expect: 200)
        }
        try probe("GET /mcp", "/mcp", accept: "text/event-stream", expect: 405)
        try probe("DELETE /mcp", "/mcp", expect: 405)
        try probe("GET /api/v1/workflows", "/api/v1/workflows", expect: 200)
        try probe("GET /api/v1/workflows/{id}", "/api/v1/workflows/alpha-flow", expect: 404)
        try probe("PUT /api/v1/workflows/{id}", "/api/v1/workflows/alpha-flow", json: workflow.replacingOccurrences(of: "secret plan", with: "beta's plan"), expect: 404)
        try probe("GET /api/v1/workflows/{id}/versions", "/api/v1/workflows/alpha-flow/versions", expect: 404)
        try probe("GET /api/v1/workflows/{id}/versions/{version}", "/api/v1/workflows/alpha-flow/versions/1", expect: 404)
        try probe("POST /api/v1/workflows/{id}/run", "/api/v1/workflows/alpha-flow/run", json: "{}", expect: 404)
        try probe("POST /api/v1/workflows/{id}/hook", "/api/v1/workflows/alpha-flow/hook", json: "{}", expect: 404)
        try probe("DELETE /api/v1/workflows/{id}/hook", "/api/v1/workflows/alpha-flow/hook", expect: 404)
        try probe("DELETE /api/v1/workflows/{id}", "/api/v1/workflows/alpha-flow", expect: 404)
        try probe("GET /api/v1/runs", "/api/v1/runs?workflow_id=alpha-flow", expect: 200)
        try probe("GET /api/v1/runs", "/api/v1/runs", expect: 200)
        try probe("GET /api/v1/runs/{id}", "/api/v1/runs/\(r)", expect: 404)
        try probe("GET /api/v1/runs/{id}/logs", "/api/v1/runs/\(r)/logs", expect: 404)
        try probe("GET /api/v1/runs/{id}/logs", "/api/v1/runs/\(r)/logs", accept: "text/event-stream", expect: 404)
        try probe("GET /api/v1/runs/{id}/nodes/{node}/output", "/api/v1/runs/\(r)/nodes/start/output", expect: 404)
        try probe("POST /api/v1/runs/{id}/cancel", "/api/v1/runs/\(r)/cancel", expect: 404)
        try probe("POST /api/v1/runs/{id}/nodes/{node}/approve", "/api/v1/runs/\(r)/nodes/gate/approve", expect: 404)
        try probe("POST /api/v1/runs/{id}/nodes/{node}/reject", "/api/v1/runs/\(r)/nodes/gate/reject", json: #"{"comment": "no"}"#, expect: 404)
        try probe("POST /api/v1/runs/{id}/rerun", "/api/v1/runs/\(r)/rerun", json: #"{"from": "start"}"#, expect: 404)
        try probe("GET /api/v1/credentials", "/api/v1/credentials", expect: 200)
        try probe("GET /api/v1/credentials/{id}", "/api/v1/credentials/\(c)", expect: 404)
        try probe("DELETE /api/v1/credentials/{id}", "/api/v1/credentials/\(c)", expect: 404)
        try probe("POST /api/v1/actions/{type}/test", "/api/v1/actions/notion/test",
                  json: #"{"config": {"credential": "\#(c)", "operation": "create_page", "database_id": "db", "title": "t"}}"#)
        try probe("GET /api/v1/api-keys", "/api/v1/api-keys", expect: 200)
        try probe("DELETE /api/v1/api-keys/{id}", "/api/v1/api-keys/\(k)", expect: 404)
        try probe("POST /api/v1/tokens", "/api/v1/tokens", json: #"{"sub": "x", "role": "admin", "tenant": "alpha"}"#, expect: 400)
        let minted = try Self.json(server.post("/api/v1/tokens", token: beta, body: #"{"sub": "x", "role": "admin"}"#))
        #expect(minted["tenant"] as? String == "beta", "an admin mints only for its own tenant: \(minted)")
        // A workflow that names alpha's credential is refused as one naming no credential would be.
        let borrowing = #"{"id": "borrow", "name": "borrow", "nodes": [{"id": "start", "type": "trigger", "config": {}}, "#
            + #"{"id": "page", "type": "notion", "config": {"credential": "\#(c)", "operation": "create_page", "database_id": "db", "title": "t"}}], "#
            + #""edges": [{"from": "start", "to": "page"}]}"#
        try probe("POST /api/v1/workflows", "/api/v1/workflows", json: borrowing)
        // Alpha's hook with a wrong secret: as unknown as a workflow nobody has.
        try probe("POST /api/v1/hooks/{workflow}/{secret}", "/api/v1/hooks/alpha-flow/\(String(repeating: "f", count: alpha.hook.count))", json: "{}", expect: 404)
        let exchanged = try Self.json(server.post("/api/v1/auth/token", body: #"{"api_key": "\#(alpha.apiKey)"}"#))
        let asKey = try server.get("/api/v1/me", token: exchanged["token"] as? String)
        #expect(asKey.body.contains(#""tenant":"alpha""#) && asKey.body.contains("viewer"), "a key yields its own tenant, at its role: \(asKey.body)")
        let metrics = try server.get("/metrics")
        #expect(leaks(metrics).isEmpty && !metrics.body.contains("tenant=\"alpha\""), "metrics name no tenant's objects")

        // Last, writes in beta's own namespace that meet alpha's: the same workflow id and the same
        // bytes are beta's own, never "already exists" (which would say alpha has them).
        let same = try server.post("/api/v1/workflows", token: beta, body: workflow.replacingOccurrences(of: "alpha's", with: "beta's"))
        #expect(same.status == 201 && leaks(same, sent: alpha.workflow).isEmpty, "\(same.status) \(same.body)")
        covered.insert("POST /api/v1/documents")
        let copy = try server.upload("/api/v1/documents", token: beta, file: html)
        // A document's id is the SHA-256 of its bytes: beta, holding the same bytes, knows it already.
        #expect(copy.status == 202 && leaks(copy, sent: "python-tutorial-appendix" + d).isEmpty, "the same bytes are a new document of beta's: \(copy.body)")
        let betaDocument = try #require(try Self.json(copy)["id"] as? String)
        covered.insert("POST /api/v1/credentials")
        covered.insert("POST /api/v1/api-keys")
        covered.insert("POST /api/v1/index-jobs")
        let betaJob = try server.post("/api/v1/index-jobs", token: beta, body: #"{"paths": ["ledger.txt"]}"#)
        #expect(betaJob.status == 202 && leaks(betaJob).isEmpty, "\(betaJob.body)")
        try await Self.wait { try server.get("/api/v1/documents/\(betaDocument)", token: beta).body.contains(#""status":"indexed""#) }
        // Beta asked this before its copy was indexed. With a worker apart, an API's cached answer
        // lags the worker's writes by up to 5 s (QueryCache.sharedGeneration): ask until it turns over.
        try await Self.wait(seconds: 30) { try server.post("/api/v1/rag/query", token: beta, body: question).body.contains(betaDocument) }
        let betaAnswer = try server.post("/api/v1/rag/query", token: beta, body: question)
        #expect(betaAnswer.body.contains(betaDocument) && leaks(betaAnswer, sent: "python-tutorial-appendix" + d + question).isEmpty, "beta's answer cites beta's copy only: \(betaAnswer.body)")

        // Beta deletes its copy: the same id, in beta's tenant only (alpha's is checked below).
        #expect(try server.call("DELETE", "/api/v1/documents/\(betaDocument)", token: beta).status == 204)

        // Every documented route was called by beta, or holds nothing of a tenant's.
        let spec = try Self.json(server.get("/api/v1/openapi.json"))
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.filter { $0 != "parameters" }.map { "\($0.uppercased()) \(path)" } })
        #expect(documented.subtracting(covered).subtracting(Self.tenantFree.keys).sorted() == [], "routes no tenant called with another's ids")

        // Alpha's viewer may read but neither write nor run: every write route answers 403.
        // Reads, and DELETE /mcp, which has no session to end for anyone (405).
        let reads = ["POST /api/v1/rag/query", "POST /v1/embeddings", "POST /v1/chat/completions", "POST /mcp", "DELETE /mcp",
                     "POST /api/v1/auth/token", "POST /api/v1/hooks/{workflow}/{secret}"]
        for route in documented.sorted() where !route.hasPrefix("GET ") && !reads.contains(route) {
            let method = String(route.split(separator: " ")[0])
            let path = String(route.split(separator: " ")[1])
                .replacingOccurrences(of: "/documents/{id}", with: "/documents/\(d)").replacingOccurrences(of: "/index-jobs/{id}", with: "/index-jobs/\(j)")
                .replacingOccurrences(of: "/workflows/{id}", with: "/workflows/alpha-flow").replacingOccurrences(of: "/runs/{id}", with: "/runs/\(r)")
                .replacingOccurrences(of: "{node}", with: "gate").replacingOccurrences(of: "/credentials/{id}", with: "/credentials/\(c)")
                .replacingOccurrences(of: "/api-keys/{id}", with: "/api-keys/\(k)").replacingOccurrences(of: "{type}", with: "notion")
            let reply = try server.call(method, path, token: alphaViewer, json: method == "DELETE" ? nil : "{}")
            #expect(reply.status == 403, "a viewer's \(route): \(reply.status) \(reply.body)")
        }

        // Alpha finds everything as it left it.
        let document = try server.get("/api/v1/documents/\(d)", token: alphaAdmin)
        #expect(document.body.contains(#""status":"indexed""#), "\(document.body)")
        #expect(try server.get("/api/v1/documents/\(d)/content", token: alphaAdmin).status == 200)
        // Beta's copy of the same bytes (the same document id, the same chunk ids) and its job's
        // copy of the ledger are beta's own: alpha still finds its ledger and its document.
        let ledger = try server.post("/api/v1/rag/query", token: alphaAdmin, body: #"{"query": "harbour fees Halcyon", "mode": "sparse"}"#)
        #expect(ledger.body.contains("412 crowns"), "\(ledger.body)")
        #expect(try server.post("/api/v1/rag/query", token: alphaAdmin, body: #"{"query": "interactive mode and the interpreter", "top_k": 1}"#).body.contains(d))
        #expect(try server.get("/api/v1/index-jobs/\(j)", token: alphaAdmin).body.contains(#""status":"completed""#))
        let versions = try server.get("/api/v1/workflows/alpha-flow/versions", token: alphaAdmin)
        #expect(versions.status == 200 && !versions.body.contains(#""version":2"#) && !versions.body.contains("beta"), "\(versions.body)")
        #expect(try server.get("/api/v1/workflows/alpha-flow", token: alphaAdmin).body.contains("alpha's secret plan"))
        #expect(try server.get("/api/v1/runs/\(r)", token: alphaAdmin).body.contains(#""awaiting""#), "alpha's run still waits for alpha")
        #expect(try server.get("/api/v1/credentials/\(c)", token: alphaAdmin).status == 200)
        #expect(try server.get("/api/v1/api-keys", token: alphaAdmin).body.contains(k))
        #expect(try server.post("/api/v1/hooks/alpha-flow/\(alpha.hook)", body: #"{"q": "by hook"}"#).status == 202, "alpha's hook still runs")
        #expect(try server.post("/api/v1/runs/\(r)/nodes/gate/approve", token: alphaAdmin, body: "{}").status == 200)
        try await Self.wait { try server.get("/api/v1/runs/\(r)", token: alphaAdmin).body.contains(#""status":"succeeded""#) }
        #expect(try server.get("/api/v1/runs/\(r)", token: alphaAdmin).body.contains(#""status":"succeeded""#))
    }

    /// Whether two answers say the same: equal JSON values (the encoder's key order varies), else equal text.
    static func same(_ first: String, _ second: String) -> Bool {
        let parse = { (text: String) in try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSObject }
        if let one = parse(first), let other = parse(second) { return one.isEqual(other) }
        return first == second
    }
}
