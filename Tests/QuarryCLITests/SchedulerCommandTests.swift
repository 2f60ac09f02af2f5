import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryMongo
import QuarryRedis
import QuarryTestSupport
import QuarryWorkflow
import Testing

/// The scheduler as deployments run it: `quarry scheduler` processes on Redis and MongoDB, and
/// `quarry serve` on the embedded back ends.
@Suite("quarry scheduler", .serialized)
struct SchedulerCommandTests {
    /// Every minute, saved three minutes ago: the minute just begun is due at once (it is within the
    /// five minutes a late tick may run), so a scheduler emits its run as soon as it starts.
    static func minutely(tenant: String = "acme", type: String = "noop") -> Workflow {
        let saved = Date().addingTimeInterval(-180)
        return Workflow(id: "minutely", tenant: tenant, name: "every minute", nodes: [.init(id: "only", type: type)], edges: [],
                        schedule: "* * * * *", createdAt: saved, updatedAt: saved)
    }

    /// `quarry scheduler` in a child process, its log in a file.
    final class SchedulerProcess {
        let process = Process()
        let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-scheduler-\(UUID().uuidString).log")

        init(environment: [String: String]) throws {
            FileManager.default.createFile(atPath: logFile.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: QuarryBinary.path)
            process.arguments = ["scheduler", "--port", "0", "--data", ServeCommandTests.temporaryData()]
            process.environment = QuarryBinary.environment(environment)
            process.standardError = try FileHandle(forWritingTo: logFile)
            try process.run()
        }

        var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

        /// Waits up to `seconds` for `text` in the log.
        func waitFor(_ text: String, seconds: Double) async throws -> Bool {
            for _ in 0..<Int(seconds * 10) {
                if log.contains(text) { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return log.contains(text)
        }

        func terminate() -> Int32 {
            process.stop()
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    @Test("two schedulers on Redis and MongoDB: one leads and emits the run with its run_start; stopped, it hands over at once")
    func production() async throws {
        let (redis, mongo) = (try RedisTestServer(), try MongoTestServer())
        let environment = ["QUARRY_QUEUE": "redis", "QUARRY_REDIS_URL": redis.url, "QUARRY_DOCUMENT_STORE": "mongodb", "QUARRY_MONGODB_URI": mongo.uri()]
        let store = MongoDocumentStore(client: try MongoClient(uri: mongo.uri()))
        #expect(try await store.createWorkflow(Self.minutely()))

        let first = try SchedulerProcess(environment: environment)
        #expect(try await first.waitFor("run emitted", seconds: 30), "\(first.log)")
        let second = try SchedulerProcess(environment: environment)
        #expect(try await second.waitFor("scheduling", seconds: 30), "\(second.log)")
        try await Task.sleep(for: .seconds(1))
        #expect(!second.log.contains("leading"), "one leads: \(second.log)")

        // One run a minute (two if a minute turned during the test), each queued with its run_start.
        let runs = try await store.runs(tenant: "acme", workflow: "minutely", status: nil, limit: 10, offset: 0)
        #expect((1...2).contains(runs.count) && runs.allSatisfy { $0.status == .queued && $0.scheduledFor != nil }, "\(runs)")
        #expect(Set(runs.compactMap(\.scheduledFor)).count == runs.count, "each tick once")
        let queue = RedisJobQueue(client: RedisClient(endpoint: RedisEndpoint(url: redis.url)!))
        let job = try #require(try await queue.dequeue(queue: "default", lease: .seconds(30)))
        #expect(job.name == "run_start")
        let payload = try JSONDecoder().decode(RunStartPayload.self, from: job.payload)
        #expect(payload.tenant == "acme" && runs.map(\.id).contains(payload.run))

        #expect(first.terminate() == 0, "\(first.log)")
        #expect(first.log.contains("stopped"))
        // The lease was given back: the follower takes it at its next try (a third of a lease, 10 s).
        #expect(try await second.waitFor("leading", seconds: 15), "\(second.log)")
        #expect(second.terminate() == 0)
        #expect(try await store.runs(tenant: "acme", workflow: "minutely", status: nil, limit: 10, offset: 0).count <= 2, "at most the next minute's run more")
    }

    @Test("quarry serve on the embedded back ends runs the scheduler itself, and the runs it emits")
    func embeddedServe() async throws {
        let data = ServeCommandTests.temporaryData()
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: data + "/quarry.sqlite")
        let store = try SQLiteDocumentStore(database: database, files: URL(fileURLWithPath: data + "/files"))
        #expect(try await store.createWorkflow(Self.minutely(type: "trigger")))

        let server = try ServeProcess(data: data)
        defer { _ = server.terminate() }
        // The missed tick's run is emitted at start, and serve's own workers run it to its end.
        let deadline = Date().addingTimeInterval(120)
        var runs: [Run] = []
        while runs.first?.status.isFinished != true, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            runs = try await store.runs(tenant: "acme", workflow: "minutely", status: nil, limit: 10, offset: 0)
        }
        #expect(runs.first?.status == .succeeded && runs.first?.scheduledFor != nil, "\(runs)\n\(server.log)")
    }
}
