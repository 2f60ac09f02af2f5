import Foundation
import QuarryCore
import QuarryTestSupport
import Testing

/// What every ``JobQueue`` promises, asserted alike against the embedded queue (SQLite) and Redis
/// in Dramatiq's layout.
@Suite("job queue contract")
struct JobQueueContractTests {
    static func job(_ n: Int, queue: String = "ingest", attempts: Int = 3) -> NewJob {
        NewJob(queue: queue, name: "ingest_document", payload: Data("{\"n\":\(n)}".utf8), maxAttempts: attempts)
    }

    static func number(_ job: LeasedJob) throws -> Int {
        try #require(try JSONSerialization.jsonObject(with: job.payload) as? [String: Int])["n"] ?? -1
    }

    @Test("jobs come out in order, each once, and complete removes them", arguments: QueueBackend.allCases)
    func order(backend: QueueBackend) async throws {
        let queue = try backend.makeQueues(clock: TestClock()).first
        for n in 0..<3 { try await queue.enqueue(Self.job(n)) }
        try await queue.enqueue(Self.job(9, queue: "other"))
        #expect(try await queue.depth(queue: "ingest") == 3)
        var seen: [Int] = []
        while let job = try await queue.dequeue(queue: "ingest", lease: .seconds(60)) {
            seen.append(try Self.number(job))
            #expect(job.attempt == 1 && job.name == "ingest_document" && job.queue == "ingest")
            try await queue.complete(job)
        }
        #expect(seen == [0, 1, 2])
        #expect(try await queue.depth(queue: "ingest") == 0)
        #expect(try await queue.depth(queue: "other") == 1)
    }

    @Test("a job's traceparent comes back with it, through a retry; a job queued outside any trace has none", arguments: QueueBackend.allCases)
    func traceParent(backend: QueueBackend) async throws {
        let queue = try backend.makeQueues(clock: TestClock()).first
        let parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        var traced = Self.job(1)
        traced.traceParent = parent
        try await queue.enqueue(traced)
        try await queue.enqueue(Self.job(2))
        let first = try #require(try await queue.dequeue(queue: "ingest", lease: .seconds(60)))
        #expect(first.traceParent == parent)
        try await queue.deadLetter(first, error: "kept")
        #expect(try await queue.deadLetters(queue: "ingest").first?.traceParent == parent)
        let second = try #require(try await queue.dequeue(queue: "ingest", lease: .seconds(60)))
        #expect(second.traceParent == nil, "no tracer is bootstrapped in the tests, so nothing was injected")
    }

    @Test("a job being worked on is nobody else's until its worker falls silent for its lease", arguments: QueueBackend.allCases)
    func leases(backend: QueueBackend) async throws {
        let clock = TestClock()
        let queues = try backend.makeQueues(clock: clock)
        try await queues.first.enqueue(Self.job(1))
        let held = try #require(try await queues.first.dequeue(queue: "ingest", lease: .seconds(60)))
        #expect(try await queues.second.dequeue(queue: "ingest", lease: .seconds(60)) == nil)
        #expect(try await queues.second.depth(queue: "ingest") == 1, "a held job still counts")
        clock.advance(50)
        try await queues.first.extend(held, lease: .seconds(60))  // the worker's heartbeat
        clock.advance(50)
        #expect(try await queues.second.dequeue(queue: "ingest", lease: .seconds(60)) == nil, "renewed: still held")
        clock.advance(11)
        let again = try #require(try await queues.second.dequeue(queue: "ingest", lease: .seconds(60)))
        let number = try Self.number(again)
        #expect(again.id == held.id && number == 1)
    }

    @Test("failures retry after a growing backoff, then become dead letters with the last error", arguments: QueueBackend.allCases)
    func retries(backend: QueueBackend) async throws {
        let clock = TestClock()
        let queue = try backend.makeQueues(clock: clock, backoff: Backoff(minimum: .seconds(10), maximum: .seconds(1000))).first
        try await queue.enqueue(Self.job(1, attempts: 3))
        for attempt in 1...3 {
            let job = try #require(try await queue.dequeue(queue: "ingest", lease: .seconds(60)), "attempt \(attempt)")
            #expect(job.attempt == attempt && job.maxAttempts == 3)
            #expect(job.lastError == (attempt == 1 ? nil : "down \(attempt - 1)"))
            try await queue.fail(job, error: "down \(attempt)")
            // Not due before the backoff (10 s · 2^(attempt-1), plus up to half again) has passed.
            clock.advance(10 * Double(1 << (attempt - 1)) - 1)
            #expect(try await queue.dequeue(queue: "ingest", lease: .seconds(60)) == nil)
            clock.advance(10 * Double(1 << (attempt - 1)) * 0.5 + 2)
        }
        #expect(try await queue.dequeue(queue: "ingest", lease: .seconds(60)) == nil)
        #expect(try await queue.depth(queue: "ingest") == 0)
        let dead = try await queue.deadLetters(queue: "ingest")
        #expect(dead.count == 1 && dead.first?.lastError == "down 3" && dead.first?.attempt == 3)
        #expect(try dead.first.map(Self.number) == 1)
    }

    @Test("a message id is one message while the first waits or runs; a delayed job waits its delay", arguments: QueueBackend.allCases)
    func messageIDsAndDelays(backend: QueueBackend) async throws {
        let clock = TestClock()
        let queue = try backend.makeQueues(clock: clock).first
        var first = Self.job(1)
        first.messageID = "run-1:fetch:1"
        try await queue.enqueue(first)
        try await queue.enqueue(first)
        #expect(try await queue.depth(queue: "ingest") == 1, "the second enqueue of the same id added nothing")
        let held = try #require(try await queue.dequeue(queue: "ingest", lease: .seconds(60)))
        try await queue.enqueue(first)
        #expect(try await queue.dequeue(queue: "ingest", lease: .seconds(60)) == nil, "not while the first is running")
        try await queue.complete(held)
        var other = Self.job(2)
        other.messageID = "run-1:fetch:2"
        other.delay = .seconds(30)
        try await queue.enqueue(other)
        #expect(try await queue.dequeue(queue: "ingest", lease: .seconds(60)) == nil, "a delayed job is not due before its delay")
        clock.advance(31)
        let delayed = try #require(try await queue.dequeue(queue: "ingest", lease: .seconds(60)))
        #expect(try Self.number(delayed) == 2)
    }

    @Test("queued jobs survive opening the queue anew", arguments: QueueBackend.allCases)
    func durable(backend: QueueBackend) async throws {
        let queues = try backend.makeQueues(clock: TestClock())
        try await queues.first.enqueue(Self.job(7))
        let job = try #require(try await queues.reopen().dequeue(queue: "ingest", lease: .seconds(60)))
        let number = try Self.number(job)
        #expect(number == 7 && job.name == "ingest_document")
    }

    @Test("with no work, waiting for it takes the time asked, however short", arguments: QueueBackend.allCases)
    func waitsForWork(backend: QueueBackend) async throws {
        let queue = try backend.makeQueues(clock: TestClock()).first
        for wait in [Duration.milliseconds(5), .milliseconds(50)] {
            let start = ContinuousClock.now
            await queue.waitForWork(queue: "ingest", timeout: wait)
            #expect(ContinuousClock.now - start >= wait, "an idle worker polls, it does not spin: \(wait)")
        }
    }
}
