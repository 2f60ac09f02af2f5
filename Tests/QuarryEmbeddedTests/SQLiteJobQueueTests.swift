import Foundation
import QuarryCore
import QuarryEmbedded
import Synchronization
import Testing

@Suite("embedded job queue")
struct SQLiteJobQueueTests {
    /// A clock the test moves by hand.
    final class Clock: Sendable {
        let time = Mutex(1_000_000.0)
        func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
        var now: Double { time.withLock { $0 } }
    }

    static func database() throws -> (SQLiteDatabase, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("queue-\(UUID().uuidString).sqlite").path
        return (try SQLiteDatabase(path: path), path)
    }

    static func job(_ n: Int, attempts: Int = 3) -> NewJob {
        NewJob(queue: "ingest", name: "ingest_document", payload: Data("{\"n\":\(n)}".utf8), maxAttempts: attempts)
    }

    @Test("jobs come out in order, each once, and complete removes them")
    func order() async throws {
        let (database, _) = try Self.database()
        let clock = Clock()
        let queue = try SQLiteJobQueue(database: database, now: { clock.now })
        for n in 0..<3 { try await queue.enqueue(Self.job(n)) }
        try await queue.enqueue(NewJob(queue: "other", name: "x", payload: Data()))
        #expect(try await queue.depth(queue: "ingest") == 3)
        var seen: [Data] = []
        while let job = try await queue.dequeue(queue: "ingest", lease: .seconds(60)) {
            seen.append(job.payload)
            #expect(job.attempt == 1)
            try await queue.complete(job)
        }
        #expect(seen == (0..<3).map { Data("{\"n\":\($0)}".utf8) })
        #expect(try await queue.depth(queue: "ingest") == 0)
        #expect(try await queue.depth(queue: "other") == 1)
    }

    @Test("a leased job is not handed out again until its lease, renewed or not, runs out (a worker that died)")
    func leases() async throws {
        let (database, _) = try Self.database()
        let clock = Clock()
        let queue = try SQLiteJobQueue(database: database, now: { clock.now })
        try await queue.enqueue(Self.job(1))
        let first = try #require(try await queue.dequeue(queue: "ingest", lease: .seconds(30)))
        #expect(try await queue.dequeue(queue: "ingest", lease: .seconds(30)) == nil)
        clock.advance(20)
        try await queue.extend(first, lease: .seconds(30))  // the worker's heartbeat
        clock.advance(20)
        #expect(try await queue.dequeue(queue: "ingest", lease: .seconds(30)) == nil, "renewed: still leased")
        clock.advance(11)
        let again = try #require(try await queue.dequeue(queue: "ingest", lease: .seconds(30)))
        #expect(again.id == first.id && again.attempt == 2)
    }

    @Test("failures retry with growing backoff, then become dead letters with the last error")
    func retries() async throws {
        let (database, _) = try Self.database()
        let clock = Clock()
        let queue = try SQLiteJobQueue(database: database, backoff: Backoff(minimum: .seconds(10), maximum: .seconds(1000)), now: { clock.now })
        try await queue.enqueue(Self.job(1, attempts: 3))
        for attempt in 1...3 {
            let job = try #require(try await queue.dequeue(queue: "ingest", lease: .seconds(60)))
            #expect(job.attempt == attempt)
            try await queue.fail(job, error: "down \(attempt)")
            // Not due before the backoff (10 s · 2^(attempt-1), plus up to half again) has passed.
            clock.advance(10 * Double(1 << (attempt - 1)) - 1)
            #expect(try await queue.dequeue(queue: "ingest", lease: .seconds(60)) == nil)
            clock.advance(10 * Double(1 << (attempt - 1)) * 0.5 + 2)
        }
        #expect(try await queue.dequeue(queue: "ingest", lease: .seconds(60)) == nil)
        #expect(try await queue.depth(queue: "ingest") == 0)
        let dead = try await queue.deadLetters(queue: "ingest")
        #expect(dead.count == 1 && dead[0].lastError == "down 3" && dead[0].attempt == 3)
    }

    @Test("queued jobs survive closing and reopening the database")
    func durable() async throws {
        let (database, path) = try Self.database()
        try await SQLiteJobQueue(database: database).enqueue(Self.job(7))
        let reopened = try SQLiteJobQueue(database: SQLiteDatabase(path: path))
        let job = try #require(try await reopened.dequeue(queue: "ingest", lease: .seconds(60)))
        #expect(job.payload == Data("{\"n\":7}".utf8) && job.name == "ingest_document")
    }

    @Test("Dramatiq's backoff doubles, is capped, and adds at most half again")
    func backoff() {
        let backoff = Backoff(minimum: .seconds(15), maximum: .seconds(100))
        #expect(backoff.delay(afterAttempt: 1, jitter: 0) == .seconds(15))
        #expect(backoff.delay(afterAttempt: 3, jitter: 0) == .seconds(60))
        #expect(backoff.delay(afterAttempt: 10, jitter: 0) == .seconds(100))
        #expect(backoff.delay(afterAttempt: 2, jitter: 0.5) == .seconds(45))
    }
}
