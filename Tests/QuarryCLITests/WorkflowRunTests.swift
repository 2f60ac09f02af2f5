import Foundation
import QuarryTestSupport
import Testing

/// The six steps of a workflow run, over HTTP as a user makes them, on the release binary: on the
/// embedded defaults (`quarry serve` alone) and on the production topology (`quarry serve` and two
/// `quarry worker` processes on Redis, MongoDB and Qdrant); then the crash suite.
@Suite("workflow runs end to end", .serialized)
struct WorkflowRunEndToEndTests {
    /// trigger → ask the documents → post the answer and its first citation to `hook`.
    static func askAndPost(hook: String) -> String {
        #"""
        {"id": "ask-and-post", "name": "Ask and post", "nodes": [
          {"id": "start", "type": "trigger", "config": {}},
          {"id": "ask", "type": "rag_query", "config": {"query": "{{ trigger.question }}", "top_k": 3}},
          {"id": "post", "type": "http_request", "retry": {"max_attempts": 3, "backoff_seconds": 0.2},
           "config": {"url": "\#(hook)", "json": {"answer": "{{ nodes.ask.answer.text }}", "page": "{{ nodes.ask.citations[0].page }}",
                      "source": "{{ nodes.ask.citations[0].source }}"}}}],
         "edges": [{"from": "start", "to": "ask"}, {"from": "ask", "to": "post"}]}
        """#
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text.prefix(500))")
    }

    /// Polls `path` until `done` holds of its body (or `seconds` pass); returns the last body. The
    /// body is read once more after the deadline: in the full suite this task can sleep far past
    /// it while other tests hold both cores, and a stale body would blame the server.
    static func poll(_ server: ServeProcess, _ path: String, token: String, seconds: Double = 240,
                     until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let body = try object(try server.get(path, token: token).body)
            if done(body) || Date() >= deadline { return body }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Upload → indexed; create the workflow; run it (202); follow the run to `succeeded`; read its
    /// log; the hook got the answer with its citation, once.
    static func sixSteps(_ server: ServeProcess, token: String, recorder: EffectRecorder) async throws {
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("tides-\(UUID().uuidString).txt")
        try "The harbour of Brest has high water at 06:10 and 18:32 on spring tides.\n\nThe warranty period is two years from delivery."
            .write(to: text, atomically: true, encoding: .utf8)
        let upload = try server.upload("/api/v1/documents", token: token, file: text.path)
        #expect(upload.status == 202, "\(upload.body)")
        let document = try #require(try object(upload.body)["id"] as? String)
        let indexed = try await poll(server, "/api/v1/documents/\(document)", token: token) { $0["status"] as? String == "indexed" }
        #expect(indexed["status"] as? String == "indexed", "\(indexed)")

        let created = try server.post("/api/v1/workflows", token: token, body: askAndPost(hook: recorder.url + "/hooks/answers"))
        #expect(created.status == 201, "\(created.body)")
        // 1–2: the run is stored queued and run_start sent.
        let started = try server.post("/api/v1/workflows/ask-and-post/run", token: token,
                                      body: #"{"inputs": {"question": "what is the warranty period?"}}"#)
        #expect(started.status == 202, "\(started.body)")
        let runID = try #require(try object(started.body)["id"] as? String)
        // 3–6: the nodes run, and the client follows the run to its end.
        let run = try await poll(server, "/api/v1/runs/\(runID)", token: token) {
            ["succeeded", "failed", "canceled"].contains($0["status"] as? String ?? "")
        }
        #expect(run["status"] as? String == "succeeded", "\(run)")
        let nodes = try #require(run["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["status"] as? String } == ["succeeded", "succeeded", "succeeded"])
        let answer = try #require((nodes[1]["output"] as? [String: Any])?["answer"] as? [String: Any])
        #expect((answer["text"] as? String)?.contains("two years") == true, "\(answer)")
        let logs = try object(try server.get("/api/v1/runs/\(runID)/logs", token: token).body)["logs"] as? [[String: Any]] ?? []
        #expect(logs.first?["message"] as? String == "run started" && logs.contains { $0["node"] as? String == "post" && $0["message"] as? String == "succeeded" })

        let effects = try recorder.effects()
        #expect(effects.keys["\(runID):post"] == 1, "the hook heard once: \(effects.keys)")
        let sent = try #require(effects.requests.first { $0.key == "\(runID):post" })
        let body = try object(sent.body)
        #expect((body["answer"] as? String)?.contains("two years") == true && body["page"] as? Int == 1, "\(body)")
        #expect((body["source"] as? String)?.hasSuffix(text.lastPathComponent) == true, "\(body)")
    }

    @Test("embedded: quarry serve alone runs the six steps")
    func embedded() async throws {
        let recorder = try EffectRecorder()
        defer { recorder.stop() }
        let server = try ServeProcess(data: ServeCommandTests.temporaryData(), environment: ["QUARRY_ALLOW_PRIVATE_URLS": "true"])
        defer { _ = server.terminate() }
        try await Self.sixSteps(server, token: try #require(server.firstAdminToken), recorder: recorder)
        // The run counted, its latency in buckets that reach past the default 10 s (a run can wait days).
        let metrics = try server.get("/metrics").body
        #expect(metrics.contains("workflow_run_success_total 1"), "\(metrics.prefix(3000))")
        #expect(metrics.contains(#"workflow_run_latency_ms_bucket{le="86400000"#), "\(metrics.components(separatedBy: "\n").filter { $0.contains("workflow_") })")
        #expect(metrics.contains(#"workflow_node_latency_ms_bucket{type="rag_query",le="2.5"#) || metrics.contains(#"le="2.5",type="rag_query""#),
                "\(metrics.components(separatedBy: "\n").filter { $0.contains("workflow_node") }.prefix(20))")
    }

    /// README's workflow: index the page at `trigger.url`, ask it `trigger.question`, post the
    /// answer and its citations to `hook`.
    static func askAPage(hook: String) -> String {
        #"""
        {"id": "ask-a-page", "name": "Ask a page and post the answer", "nodes": [
          {"id": "start", "type": "trigger", "config": {}},
          {"id": "fetch", "type": "ingest", "config": {"url": "{{ trigger.url }}"}},
          {"id": "ask", "type": "rag_query", "config": {"query": "{{ trigger.question }}", "top_k": 3,
                                                        "document_ids": ["{{ nodes.fetch.document_id }}"]}},
          {"id": "post", "type": "http_request", "retry": {"max_attempts": 5, "backoff_seconds": 1},
           "config": {"url": "\#(hook)", "json": {"question": "{{ trigger.question }}",
                      "answer": "{{ nodes.ask.answer.text }}", "citations": "{{ nodes.ask.citations }}"}}}],
         "edges": [{"from": "start", "to": "fetch"}, {"from": "fetch", "to": "ask"}, {"from": "ask", "to": "post"}]}
        """#
    }

    @Test("README's workflow on quarry serve: a URL is indexed, asked, and the answer posted with citations that name its document")
    func askAPageFromTheReadme() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "Terms of sale.\n\nThe warranty period is two years from delivery.\n\nReturns are accepted within thirty days."
            .write(to: folder.appendingPathComponent("terms.txt"), atomically: true, encoding: .utf8)
        let recorder = try EffectRecorder(documents: folder)
        defer { recorder.stop() }
        let server = try ServeProcess(data: ServeCommandTests.temporaryData(), environment: ["QUARRY_ALLOW_PRIVATE_URLS": "true"])
        defer { _ = server.terminate() }
        let token = try #require(server.firstAdminToken)
        let created = try server.post("/api/v1/workflows", token: token, body: Self.askAPage(hook: recorder.url + "/hooks/answers"))
        #expect(created.status == 201, "\(created.body)")
        let inputs = #"{"inputs": {"url": "\#(recorder.url)/documents/terms.txt", "question": "how long is the warranty?"}}"#
        let started = try server.post("/api/v1/workflows/ask-a-page/run", token: token, body: inputs)
        let runID = try #require(try Self.object(started.body)["id"] as? String, "\(started.body)")
        let run = try await Self.poll(server, "/api/v1/runs/\(runID)", token: token) {
            ["succeeded", "failed", "canceled"].contains($0["status"] as? String ?? "")
        }
        #expect(run["status"] as? String == "succeeded", "\(run)")
        let nodes = run["nodes"] as? [[String: Any]] ?? []
        let document = (nodes.first { $0["id"] as? String == "fetch" }?["output"] as? [String: Any])?["document_id"] as? String
        #expect(document?.isEmpty == false, "\(nodes)")

        let sent = try #require(try recorder.effects().requests.first { $0.key == "\(runID):post" })
        let body = try Self.object(sent.body)
        #expect((body["answer"] as? String)?.contains("two years") == true, "\(body)")
        let citations = body["citations"] as? [[String: Any]] ?? []
        #expect(!citations.isEmpty && citations.allSatisfy { $0["document_id"] as? String == document }, "\(body)")
        #expect((citations.first?["source"] as? String)?.hasSuffix("/documents/terms.txt") == true, "\(citations.first ?? [:])")
    }

    @Test("a live log tail does not hold a stopping server: the stream ends without `end`, and SIGTERM exits 0 while the run goes on")
    func tailDuringShutdown() async throws {
        let recorder = try EffectRecorder()
        defer { recorder.stop() }
        let server = try ServeProcess(data: ServeCommandTests.temporaryData(), environment: ["QUARRY_ALLOW_PRIVATE_URLS": "true"])
        defer { _ = server.terminate() }
        let token = try #require(server.firstAdminToken)
        // The hook answers 503 and the node waits 5 s between its ten attempts: the run outlasts the test.
        let workflow = #"""
            {"id": "slow", "name": "Slow", "nodes": [
              {"id": "start", "type": "trigger", "config": {}},
              {"id": "post", "type": "http_request", "retry": {"max_attempts": 10, "backoff_seconds": 5},
               "config": {"url": "\#(recorder.url)/status/503/slow", "json": {}}}],
             "edges": [{"from": "start", "to": "post"}]}
            """#
        #expect(try server.post("/api/v1/workflows", token: token, body: workflow).status == 201)
        let runID = try #require(try Self.object(try server.post("/api/v1/workflows/slow/run", token: token, body: "{}").body)["id"] as? String)

        let stream = FileManager.default.temporaryDirectory.appendingPathComponent("tail-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: stream.path, contents: nil)
        let tail = Process()
        tail.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        tail.arguments = ["-sSN", "-m", "150", "-H", "Accept: text/event-stream", "-H", "Authorization: Bearer \(token)",
                          server.url + "/api/v1/runs/\(runID)/logs"]
        tail.standardOutput = try FileHandle(forWritingTo: stream)
        tail.standardError = FileHandle.nullDevice
        try tail.run()
        defer { if tail.isRunning { kill(tail.processIdentifier, SIGKILL) } }
        func streamed() -> String { (try? String(contentsOf: stream, encoding: .utf8)) ?? "" }
        let deadline = Date().addingTimeInterval(120)
        while !streamed().contains("attempt"), Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        #expect(streamed().contains("event: log"), "the tail is open and has lines: \(streamed())")

        // Held by the stream, the server would be killed after the minute terminate() waits (status 9).
        #expect(server.terminate() == 0, "\(server.log.suffix(2000))")
        let ended = Date().addingTimeInterval(10)
        while tail.isRunning, Date() < ended { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!tail.isRunning && tail.terminationStatus == 0, "the stream ended cleanly")
        #expect(!streamed().contains("event: end"), "the run had not ended: \(streamed())")
    }

    static func startWorker(_ environment: [String: String], queues: String = "ingest,default,ai,actions") throws -> Process {
        let worker = Process()
        worker.executableURL = URL(fileURLWithPath: QuarryBinary.path)
        worker.arguments = ["worker", "--queues", queues, "--concurrency", "2", "--port", "0", "--data", ServeCommandTests.temporaryData()]
        worker.environment = QuarryBinary.environment(environment)
        worker.standardOutput = FileHandle.nullDevice
        worker.standardError = FileHandle.nullDevice
        try worker.run()
        return worker
    }

    @Test("production topology: quarry serve and two quarry worker processes on Redis, MongoDB and Qdrant run the six steps")
    func production() async throws {
        let (redis, mongo, qdrant) = (try RedisTestServer(), try MongoTestServer(), try QdrantTestServer())
        let recorder = try EffectRecorder()
        defer { recorder.stop() }
        let environment = [
            "QUARRY_QUEUE": "redis", "QUARRY_REDIS_URL": redis.url,
            "QUARRY_DOCUMENT_STORE": "mongodb", "QUARRY_MONGODB_URI": mongo.uri(),
            "QUARRY_VECTOR_STORE": "qdrant", "QUARRY_QDRANT_URL": qdrant.url, "QUARRY_ALLOW_PRIVATE_URLS": "true",
        ]
        let server = try ServeProcess(data: ServeCommandTests.temporaryData(), environment: environment)
        defer { _ = server.terminate() }
        let workers = [try Self.startWorker(environment), try Self.startWorker(environment)]
        defer { for worker in workers { worker.stop() } }
        try await Self.sixSteps(server, token: try #require(server.firstAdminToken), recorder: recorder)
    }

    /// A → B1…B10 → C, C posting to `hook` with the run's idempotency key.
    static func diamond(hook: String) -> String {
        let branches = (1...10).map { #"{"id": "b\#($0)", "type": "transform", "config": {"value": "{{ nodes.a.n }}-\#($0)"}}"# }
        let edges = (1...10).flatMap { [#"{"from": "a", "to": "b\#($0)"}"#, #"{"from": "b\#($0)", "to": "c"}"#] }
        return #"""
            {"id": "diamond", "name": "Diamond", "nodes": [
              {"id": "start", "type": "trigger", "config": {}},
              {"id": "a", "type": "transform", "config": {"value": {"n": "{{ trigger.n }}"}}},
              \#(branches.joined(separator: ",\n  ")),
              {"id": "c", "type": "http_request", "retry": {"max_attempts": 10, "backoff_seconds": 0.2, "max_backoff_seconds": 2},
               "config": {"url": "\#(hook)", "json": {"n": "{{ trigger.n }}", "b10": "{{ nodes.b10 }}"}}}],
             "edges": [{"from": "start", "to": "a"}, \#(edges.joined(separator: ", "))]}
            """#
    }

    @Test("crash suite: 200 diamond runs on two workers, one killed with -9 every second and Redis restarted once: every run succeeds, each C's effect lands once by its key")
    func crashSuite() async throws {
        let (redis, mongo, qdrant) = (try RedisTestServer(), try MongoTestServer(), try QdrantTestServer())
        let recorder = try EffectRecorder()
        defer { recorder.stop() }
        let environment = [
            "QUARRY_QUEUE": "redis", "QUARRY_REDIS_URL": redis.url, "QUARRY_REDIS_HEARTBEAT_TIMEOUT": "5",
            "QUARRY_DOCUMENT_STORE": "mongodb", "QUARRY_MONGODB_URI": mongo.uri(),
            "QUARRY_VECTOR_STORE": "qdrant", "QUARRY_QDRANT_URL": qdrant.url, "QUARRY_ALLOW_PRIVATE_URLS": "true",
        ]
        let server = try ServeProcess(data: ServeCommandTests.temporaryData(), environment: environment)
        defer { _ = server.terminate() }
        let admin = try #require(server.firstAdminToken)
        let created = try server.post("/api/v1/workflows", token: admin, body: Self.diamond(hook: recorder.url + "/effects/c"))
        #expect(created.status == 201, "\(created.body)")
        var runs: [String] = []
        for n in 0..<200 {
            let started = try server.post("/api/v1/workflows/diamond/run", token: admin, body: #"{"inputs": {"n": \#(n)}}"#)
            runs.append(try #require(try Self.object(started.body)["id"] as? String, "\(started.body)"))
        }

        var workers = [try Self.startWorker(environment), try Self.startWorker(environment)]
        defer { for worker in workers where worker.isRunning { kill(worker.processIdentifier, SIGKILL); worker.waitUntilExit() } }
        func unfinished() throws -> Int {
            var count = 0
            for status in ["queued", "running"] {
                let page = try Self.object(try server.get("/api/v1/runs?workflow_id=diamond&status=\(status)&limit=100", token: admin).body)
                count += (page["runs"] as? [Any])?.count ?? 0
            }
            return count
        }
        // Kill a worker every second (taking turns) and start another in its place; restart Redis once on the way.
        let deadline = Date().addingTimeInterval(420)
        var kills = 0
        var restarted = false
        while try unfinished() > 0, Date() < deadline {
            try await Task.sleep(for: .seconds(1))
            let victim = workers[kills % 2]
            kill(victim.processIdentifier, SIGKILL)
            victim.waitUntilExit()
            workers[kills % 2] = try Self.startWorker(environment)
            kills += 1
            if kills == 10, !restarted {
                redis.stop()
                try await Task.sleep(for: .seconds(1))
                try redis.start()
                restarted = true
            }
            if kills >= 30 { break }  // then let the two last workers finish in peace
        }
        while try unfinished() > 0, Date() < deadline { try await Task.sleep(for: .milliseconds(500)) }

        var statuses: [String: Int] = [:]
        for id in runs {
            let run = try Self.object(try server.get("/api/v1/runs/\(id)", token: admin).body)
            statuses[run["status"] as? String ?? "?", default: 0] += 1
        }
        #expect(restarted && kills >= 10, "the faults happened: \(kills) kills")
        #expect(statuses == ["succeeded": 200], "\(statuses)")
        let effects = try recorder.effects()
        let keys = Set(runs.map { "\($0):c" })
        #expect(Set(effects.keys.keys) == keys, "each run's C reached the hook, and nothing else did")
        let resent = effects.keys.values.filter { $0 > 1 }.count
        // At least once: a C killed after sending and before its end was written sends again, with
        // the same key, so the hook acts once. Recorded so the suite shows how often that happened.
        print("crash suite: \(kills) kills, Redis restarted; \(resent) of 200 C requests were sent again under their key")
    }
}
