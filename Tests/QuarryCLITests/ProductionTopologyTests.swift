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
        worker.arguments = ["worker", "--queues", "ingest", "--concurrency", "2", "--data", ServeCommandTests.temporaryData()]
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

        worker.terminate()
        worker.waitUntilExit()
        #expect(worker.terminationStatus == 0, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        #expect(try String(contentsOf: log, encoding: .utf8).contains("stopped"))
    }
}
