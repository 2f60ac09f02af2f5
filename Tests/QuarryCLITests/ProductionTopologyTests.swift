import Foundation
import QuarryTestSupport
import Testing

/// The production topology on this machine: `quarry serve` and a `quarry worker` apart, sharing
/// nothing but Redis (queue), MongoDB (SecantusDB) and Qdrant (qdrant-edge).
@Suite("API and worker apart, on Redis, MongoDB and Qdrant", .serialized)
struct ProductionTopologyTests {
    @Test("a document uploaded to the API is indexed by the worker and answered by the API; SIGTERM stops the worker cleanly")
    func uploadIndexAsk() async throws {
        let (redis, mongo, qdrant) = (try RedisTestServer(), try MongoTestServer(), try QdrantTestServer())
        let environment = [
            "QUARRY_QUEUE": "redis", "QUARRY_REDIS_URL": redis.url,
            "QUARRY_DOCUMENT_STORE": "mongodb", "QUARRY_MONGODB_URI": mongo.uri(),
            "QUARRY_VECTOR_STORE": "qdrant", "QUARRY_QDRANT_URL": qdrant.url,
        ]
        let server = try ServeProcess(data: ServeCommandTests.temporaryData(), environment: environment)
        defer { _ = server.terminate() }
        let admin = try #require(server.firstAdminToken)

        let ready = try server.get("/ready")
        #expect(ready.status == 200, "\(ready.body)")
        for kind in ["redis", "mongodb", "qdrant"] { #expect(ready.body.contains(#""kind":"\#(kind)""#), "\(ready.body)") }

        let html = repositoryRoot.appendingPathComponent("corpora/html/python-tutorial-appendix.html").path
        let upload = try server.upload("/api/v1/documents", token: admin, file: html)
        #expect(upload.status == 202, "\(upload.body)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(upload.body.utf8)) as? [String: Any])
        let id = try #require(document["id"] as? String)

        // No worker yet: the job waits in Redis.
        try await Task.sleep(for: .milliseconds(500))
        #expect(try server.get("/api/v1/documents/\(id)", token: admin).body.contains(#""status":"queued""#))

        let worker = Process()
        worker.executableURL = URL(fileURLWithPath: QuarryBinary.path)
        worker.arguments = ["worker", "--queues", "ingest", "--concurrency", "2", "--port", "0", "--data", ServeCommandTests.temporaryData()]
        worker.environment = QuarryBinary.environment(environment)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-worker-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        worker.standardError = try FileHandle(forWritingTo: log)
        try worker.run()
        defer { if worker.isRunning { kill(worker.processIdentifier, SIGKILL) } }

        var status = ""
        for _ in 0..<300 where !status.contains(#""status":"indexed""#) {
            status = try server.get("/api/v1/documents/\(id)", token: admin).body
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status.contains(#""status":"indexed""#), "\(status)\n\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")

        let answer = try server.post("/api/v1/rag/query", token: admin, body: #"{"query": "interactive mode and the interpreter"}"#)
        #expect(answer.status == 200 && answer.body.contains(id), "\(answer.body)")

        // The worker's own /metrics and /ready, at the address it logged.
        let logged = try String(contentsOf: log, encoding: .utf8)
        let metricsURL = try #require(logged.firstMatch(of: /url=(http:\/\/[0-9.]+:[0-9]+\/metrics)/)?.1).description
        try await Task.sleep(for: .seconds(6))  // one round of the queue depth gauge after the job
        let metrics = try run("/usr/bin/curl", ["-sS", metricsURL])
        #expect(metrics.contains(#"quarry_jobs_total{queue="ingest",actor="ingest_document",outcome="done"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"queue_depth{queue="ingest"} 0"#), "\(metrics)")
        let workerReady = try run("/usr/bin/curl", ["-sS", metricsURL.replacingOccurrences(of: "/metrics", with: "/ready")])
        #expect(workerReady.contains(#""kind":"redis""#) && workerReady.contains(#""status":"ready""#), "\(workerReady)")

        #expect(worker.stop() == 0, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        #expect(try String(contentsOf: log, encoding: .utf8).contains("stopped"))
    }

    @Test("kill -9 a worker in the middle of a 1,000-document index job and restart Redis: another worker finishes, each document indexed exactly once")
    func crashSafety() async throws {
        let (redis, mongo, qdrant) = (try RedisTestServer(), try MongoTestServer(), try QdrantTestServer())
        // 1,000 small documents of one chunk each, in the folder the API and the workers index from.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for n in 0..<1000 {
            try "Record \(n): the tide tables for harbour \(n) list high water at \(n % 24) o'clock."
                .write(to: folder.appendingPathComponent("tide-\(n).txt"), atomically: true, encoding: .utf8)
        }
        let environment = [
            "QUARRY_QUEUE": "redis", "QUARRY_REDIS_URL": redis.url, "QUARRY_REDIS_HEARTBEAT_TIMEOUT": "5",
            "QUARRY_DOCUMENT_STORE": "mongodb", "QUARRY_MONGODB_URI": mongo.uri(),
            "QUARRY_VECTOR_STORE": "qdrant", "QUARRY_QDRANT_URL": qdrant.url,
            "QUARRY_INDEX_ROOT": folder.path,
        ]
        let server = try ServeProcess(data: ServeCommandTests.temporaryData(), environment: environment)
        defer { _ = server.terminate() }
        let admin = try #require(server.firstAdminToken)

        // The job is submitted and followed by `quarry index --server`, as an operator would.
        let follower = Process()
        follower.executableURL = URL(fileURLWithPath: QuarryBinary.path)
        follower.arguments = ["index", "--server", server.url, folder.path]
        follower.environment = QuarryBinary.environment(["QUARRY_TOKEN": admin])
        // Files, not pipes: nobody reads while it runs, and a full pipe would stall it.
        let followed = FileManager.default.temporaryDirectory.appendingPathComponent("follower-\(UUID().uuidString).out")
        let progress = followed.appendingPathExtension("err")
        for file in [followed, progress] { FileManager.default.createFile(atPath: file.path, contents: nil) }
        follower.standardOutput = try FileHandle(forWritingTo: followed)
        follower.standardError = try FileHandle(forWritingTo: progress)
        try follower.run()
        defer { if follower.isRunning { kill(follower.processIdentifier, SIGKILL) } }

        func points() throws -> Int {
            let reply = try run("/usr/bin/curl", ["-sS", "-X", "POST", "-H", "Content-Type: application/json", "-d", #"{"exact": true}"#,
                                                  qdrant.url + "/collections/quarry_chunks/points/count"])
            let object = try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any]
            return (object?["result"] as? [String: Any])?["count"] as? Int ?? 0
        }
        func startWorker() throws -> Process {
            let worker = Process()
            worker.executableURL = URL(fileURLWithPath: QuarryBinary.path)
            worker.arguments = ["worker", "--queues", "ingest", "--concurrency", "2", "--data", ServeCommandTests.temporaryData()]
            worker.environment = QuarryBinary.environment(environment)
            worker.standardError = FileHandle.nullDevice
            try worker.run()
            return worker
        }
        func wait(until done: () throws -> Bool, seconds: Double) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while try !done(), Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        }

        // Questions keep arriving while a worker dies and another takes over: each is answered
        // (200), and each hit is a whole chunk of an indexed document, never a point without its chunk.
        let probe = QuestionProbe(server: server, token: admin)
        let first = try startWorker()
        try await wait(until: { try points() >= 250 }, seconds: 120)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let second = try startWorker()
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        try await wait(until: { try points() >= 500 }, seconds: 120)
        let asked = probe.stop()
        #expect(asked.count >= 5 && asked.contains { $0.body.contains(#""chunk_id""#) }, "questions asked during the crash and restart: \(asked.count)")
        #expect(asked.allSatisfy { $0.consistent }, "\(asked.filter { !$0.consistent }.prefix(3))")
        redis.stop()
        try await Task.sleep(for: .seconds(1))
        try redis.start()

        // The follower ends when the job does.
        try await wait(until: { !follower.isRunning }, seconds: 180)
        let summary = (try? String(contentsOf: followed, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: progress, encoding: .utf8)) ?? ""
        #expect(follower.terminationStatus == 0 && summary.contains("indexed 1000, unchanged 0, failed 0"), "\(summary)\n\(stderr.suffix(2000))")
        #expect(stderr.contains("1000/1000 done"), "\(stderr.suffix(500))")
        let jobs = try JSONSerialization.jsonObject(with: Data(try server.get("/api/v1/index-jobs", token: admin).body.utf8)) as? [String: Any]
        let job = try #require((jobs?["index_jobs"] as? [[String: Any]])?.first)
        #expect(job["status"] as? String == "completed" && (job["counts"] as? [String: Int])?["indexed"] == 1000, "\(job)")
        #expect(job["chunks"] as? Int == 1000, "one chunk per document, none twice")

        // A crash while the items were being submitted may leave a document's ingest queued twice
        // (queued again by the redelivered submitting job, in case the first never was): once the
        // queue is empty, nothing may have been written twice.
        func redisCLI(_ arguments: String...) throws -> String {
            try run("/usr/bin/redis-cli", ["-p", String(redis.port), "--raw"] + arguments).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try await wait(until: { try redisCLI("HLEN", "dramatiq:ingest.msgs") == "0" }, seconds: 180)  // slow under make test's load
        let (waiting, dead) = (try redisCLI("HLEN", "dramatiq:ingest.msgs"), try redisCLI("ZCARD", "dramatiq:ingest.XQ"))
        let messages = try redisCLI("HGETALL", "dramatiq:ingest.msgs").prefix(2000)
        #expect(waiting == "0" && dead == "0", "nothing left waiting (\(waiting)), nothing dead (\(dead)): \(messages)")
        let body = try server.get("/api/v1/documents?limit=1000", token: admin).body
        let documents = (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["documents"] as? [[String: Any]] ?? []
        #expect(documents.count == 1000 && documents.allSatisfy { $0["status"] as? String == "indexed" })
        #expect(try points() == 1000, "one point per chunk: none missing, none twice")
        let answer = try server.post("/api/v1/rag/query", token: admin, body: #"{"query": "tide tables for harbour 417"}"#)
        #expect(answer.status == 200 && answer.body.contains("harbour 417"), "\(answer.body.prefix(500))")
        #expect(second.stop() == 0)
    }
}

/// Asks `POST /api/v1/rag/query` over and over on a thread of its own until stopped, and keeps
/// whether each answer was whole: status 200, hits whose text is one of the test's tide records.
private final class QuestionProbe: @unchecked Sendable {
    struct Asked: CustomStringConvertible {
        let status: Int
        let consistent: Bool
        let body: String
        var description: String { "\(status): \(body.prefix(300))" }
    }

    private let lock = NSLock()
    private var answers: [Asked] = []
    private var stopped = false
    private let thread: Thread

    init(server: ServeProcess, token: String) {
        let box = Box()
        nonisolated(unsafe) let server = server  // only its immutable URL is read, from this one thread
        thread = Thread {
            var n = 0
            while let probe = box.probe, !probe.isStopped {
                n += 1
                let harbour = n * 37 % 1000
                let body = #"{"query": "tide tables for harbour \#(harbour)", "answer": "none", "top_k": 5}"#
                guard let reply = try? server.post("/api/v1/rag/query", token: token, body: body) else { continue }
                probe.record(Asked(status: reply.status, consistent: Self.whole(reply), body: reply.body))
            }
        }
        box.probe = self
        thread.start()
    }

    private final class Box: @unchecked Sendable { weak var probe: QuestionProbe? }

    private var isStopped: Bool { lock.withLock { stopped } }
    private func record(_ asked: Asked) { lock.withLock { answers.append(asked) } }

    /// Stops asking, waits for the question in flight and returns every answer.
    func stop() -> [Asked] {
        lock.withLock { stopped = true }
        while thread.isExecuting { Thread.sleep(forTimeInterval: 0.05) }
        return lock.withLock { answers }
    }

    private static func whole(_ reply: ServeProcess.Reply) -> Bool {
        guard reply.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
              let hits = object["hits"] as? [[String: Any]] else { return false }
        return hits.allSatisfy { hit in
            let text = hit["text"] as? String ?? ""
            return text.hasPrefix("Record ") && text.contains("tide tables for harbour") && (hit["document_id"] as? String)?.isEmpty == false
        }
    }
}
