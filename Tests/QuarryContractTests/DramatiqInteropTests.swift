import Foundation
import QuarryCore
import QuarryRedis
import QuarryTestSupport
import Testing

/// Quarry's Redis queue against the real Python Dramatiq (scripts/testservers/dramatiq_peer.py),
/// both ways: messages, retries and dead letters as Dramatiq makes and reads them.
@Suite("Dramatiq interoperability")
struct DramatiqInteropTests {
    static var peer: String { repositoryRoot.path + "/scripts/testservers/dramatiq_peer.py" }

    struct Fixture {
        let server: RedisTestServer
        let namespace = "interop-\(UUID().uuidString.prefix(8))"

        func queue(backoff: Backoff = Backoff(minimum: .milliseconds(20), maximum: .milliseconds(100))) -> RedisJobQueue {
            RedisJobQueue(client: RedisClient(endpoint: RedisEndpoint(url: server.url)!), namespace: namespace, backoff: backoff)
        }

        /// Runs the Dramatiq peer; its standard output.
        func python(_ command: String, _ arguments: [String]) async throws -> String {
            let all = [DramatiqInteropTests.peer, command, "--url", server.url, "--namespace", namespace] + arguments
            return try await offPool { try run(Venv.python, all) }
        }

        func redis(_ arguments: String...) throws -> String {
            try run("/usr/bin/redis-cli", ["-p", String(server.port), "--no-raw"] + arguments)
        }

        func redisRaw(_ arguments: String...) throws -> String {
            try run("/usr/bin/redis-cli", ["-p", String(server.port), "--raw"] + arguments)
        }
    }

    static func fixture() throws -> Fixture { Fixture(server: try SharedRedis.server.get()) }

    static func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("a message sent by a Python actor's send() is run by Quarry and acked")
    func pythonToQuarry() async throws {
        let fixture = try Self.fixture()
        let messageId = try await fixture.python("send", ["--queue", "ingest", "--actor", "ingest_document", "--kwargs", #"{"tenant": "acme", "document": "d1"}"#])
        let queue = fixture.queue()
        let job = try #require(try await queue.dequeue(queue: "ingest", lease: .seconds(60)))
        #expect(job.name == "ingest_document" && job.attempt == 1 && job.maxAttempts == 21)  // Dramatiq's default max_retries 20
        #expect(try Self.object(job.payload) as? [String: String] == ["tenant": "acme", "document": "d1"])
        try await queue.complete(job)
        #expect(try await queue.depth(queue: "ingest") == 0)
        #expect(try fixture.redisRaw("HLEN", "\(fixture.namespace):ingest.msgs").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        #expect(!messageId.isEmpty)
    }

    @Test("a trace rides in the message option traceparent, from a Python sender to Quarry and from Quarry onto Redis")
    func traceParent() async throws {
        let fixture = try Self.fixture()
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        _ = try await fixture.python("send", ["--queue", "ingest", "--actor", "ingest_document", "--kwargs", #"{"n": 1}"#, "--traceparent", parent])
        let queue = fixture.queue()
        let job = try #require(try await queue.dequeue(queue: "ingest", lease: .seconds(60)))
        #expect(job.traceParent == parent)
        try await queue.complete(job)

        try await queue.enqueue(NewJob(queue: "ingest", name: "ingest_document", payload: Data(#"{"n": 2}"#.utf8), traceParent: parent))
        let raw = try fixture.redisRaw("HVALS", "\(fixture.namespace):ingest.msgs").trimmingCharacters(in: .whitespacesAndNewlines)
        let options = try #require(try Self.object(Data(raw.utf8))["options"] as? [String: Any])
        #expect(options["traceparent"] as? String == parent)
        #expect(try await queue.dequeue(queue: "ingest", lease: .seconds(60))?.traceParent == parent)
    }

    @Test("a job Quarry enqueues is run by a Python Dramatiq worker")
    func quarryToPython() async throws {
        let fixture = try Self.fixture()
        try await fixture.queue().enqueue(NewJob(queue: "default", name: "run_start", payload: Data(#"{"run": "r1", "attempt": 2}"#.utf8)))
        let record = "\(fixture.namespace):calls"
        _ = try await fixture.python("work", ["--queue", "default", "--actor", "run_start", "--record", record, "--count", "1"])
        let calls = try fixture.redisRaw("LRANGE", record, "0", "-1").split(separator: "\n")
        #expect(calls.map(String.init) == [#"{"attempt": 2, "run": "r1"}"#])
    }

    @Test("Quarry retries and dead-letters a Python-sent message as Dramatiq does, and Dramatiq reads the dead letter")
    func quarryRetries() async throws {
        let fixture = try Self.fixture()
        let messageId = try await fixture.python("send", ["--queue", "ingest", "--actor", "ingest_document", "--kwargs", #"{"n": 1}"#, "--max-retries", "1"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let queue = fixture.queue()
        let first = try #require(try await queue.dequeue(queue: "ingest", lease: .seconds(60)))
        try await queue.fail(first, error: "Traceback: first failure")

        // The retry waits in ingest.DQ, with Dramatiq's retry options and the seven fields only.
        let delayed = try fixture.redisRaw("HVALS", "\(fixture.namespace):ingest.DQ.msgs").trimmingCharacters(in: .whitespacesAndNewlines)
        let retry = try Self.object(Data(delayed.utf8))
        #expect(Set(retry.keys) == ["queue_name", "actor_name", "args", "kwargs", "options", "message_id", "message_timestamp"])
        #expect(retry["message_id"] as? String == messageId)
        let options = try #require(retry["options"] as? [String: Any])
        #expect(options["retries"] as? Int == 1 && options["traceback"] as? String == "Traceback: first failure")
        #expect(options["eta"] is Int && options["redis_message_id"] is String)

        var second: LeasedJob?
        for _ in 0..<100 where second == nil {
            second = try await queue.dequeue(queue: "ingest", lease: .seconds(60))
            if second == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let again = try #require(second)
        #expect(again.attempt == 2 && again.lastError == "Traceback: first failure")
        try await queue.fail(again, error: "Traceback: second failure")
        #expect(try await queue.depth(queue: "ingest") == 0)

        let dead = try await fixture.python("dead", ["--queue", "ingest"]).split(separator: "\n")
        #expect(dead.count == 1)
        let letter = try Self.object(Data(try #require(dead.first).utf8))
        #expect(letter["message_id"] as? String == messageId)
        #expect(letter["fields"] as? [String] == ["actor_name", "args", "kwargs", "message_id", "message_timestamp", "options", "queue_name"])
        #expect((letter["options"] as? [String: Any])?["traceback"] as? String == "Traceback: second failure")
    }

    @Test("Dramatiq's own retries and dead letters of a Quarry job are read by Quarry")
    func pythonRetries() async throws {
        let fixture = try Self.fixture()
        let queue = fixture.queue()
        try await queue.enqueue(NewJob(queue: "ai", name: "transform", payload: Data(#"{"n": 3}"#.utf8), maxAttempts: 2))
        _ = try await fixture.python("work", ["--queue", "ai", "--actor", "transform", "--record", "\(fixture.namespace):none", "--count", "2", "--fail"])
        let dead = try await queue.deadLetters(queue: "ai")
        #expect(dead.count == 1)
        #expect(dead.first?.attempt == 2 && dead.first?.name == "transform")
        #expect(dead.first?.lastError?.contains("failing on purpose") == true)
        #expect(try await queue.depth(queue: "ai") == 0)
    }

    @Test("messages Quarry must not run are dead letters that say why: positional arguments, past max_age")
    func refused() async throws {
        let fixture = try Self.fixture()
        _ = try await fixture.python("send", ["--queue", "ingest", "--actor", "ingest_document", "--args", #"["acme", "d1"]"#])
        _ = try await fixture.python("send", ["--queue", "ingest", "--actor", "ingest_document", "--kwargs", #"{"n": 2}"#, "--max-age", "1"])
        try await Task.sleep(for: .milliseconds(20))
        let queue = fixture.queue()
        #expect(try await queue.dequeue(queue: "ingest", lease: .seconds(60)) == nil)
        let reasons = try await queue.deadLetters(queue: "ingest").compactMap(\.lastError).sorted()
        #expect(reasons.count == 2)
        #expect(reasons.first?.hasPrefix("older than its max_age of 1 ms") == true)
        #expect(reasons.last?.hasPrefix("positional arguments") == true)
    }

    @Test("the script is loaded again after Redis forgets it")
    func scriptReload() async throws {
        let fixture = try Self.fixture()
        let queue = fixture.queue()
        try await queue.enqueue(NewJob(queue: "ingest", name: "a", payload: Data("{}".utf8)))
        _ = try fixture.redis("SCRIPT", "FLUSH")
        try await queue.enqueue(NewJob(queue: "ingest", name: "b", payload: Data("{}".utf8)))
        #expect(try await queue.depth(queue: "ingest") == 2)
    }

    @Test("Redis down: calls fail as unavailable; restarted, the same queue reconnects and its jobs are there")
    func outage() async throws {
        let server = try RedisTestServer()
        let queue = RedisJobQueue(client: RedisClient(endpoint: RedisEndpoint(url: server.url)!))
        try await queue.enqueue(NewJob(queue: "ingest", name: "a", payload: Data(#"{"n": 1}"#.utf8)))
        server.stop()
        await #expect(throws: BackendUnavailable.self) { try await queue.depth(queue: "ingest") }
        try server.start()
        // Until Redis has loaded its data it answers LOADING: unavailable too, so callers retry.
        var job: LeasedJob?
        for _ in 0..<100 where job == nil {
            do { job = try await queue.dequeue(queue: "ingest", lease: .seconds(60)) } catch is BackendUnavailable { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(job?.name == "a")
    }
}
