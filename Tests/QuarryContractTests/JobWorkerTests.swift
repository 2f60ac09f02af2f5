import Foundation
import QuarryCore
import QuarryEngine
import QuarryRedis
import QuarryTestSupport
import Synchronization
import Testing

/// The worker loop on each queue: actors by name, time limits, concurrency, graceful stops.
@Suite("job worker")
struct JobWorkerTests {
    final class Flag: Sendable {
        let value = Mutex(false)
        func raise() { value.withLock { $0 = true } }
        var raised: Bool { value.withLock { $0 } }
    }

    actor Running {
        var now = 0
        var most = 0
        var done = 0
        func start() { now += 1; most = max(most, now) }
        func finish() { now -= 1; done += 1 }
    }

    static func job(_ name: String, queue: String = "ingest") -> NewJob {
        NewJob(queue: queue, name: name, payload: Data("{}".utf8), maxAttempts: 3)
    }

    @Test("a job for an actor nobody runs becomes a dead letter at once, saying so", arguments: QueueBackend.allCases)
    func unknownActor(backend: QueueBackend) async throws {
        let queue = try backend.makeQueues(clock: TestClock()).first
        try await queue.enqueue(Self.job("nobody_runs_this"))
        let worker = JobWorker(queue: queue, queueName: "ingest", actors: ["known": { _ in }])
        #expect(try await worker.runOne())
        let dead = try await queue.deadLetters(queue: "ingest")
        #expect(dead.count == 1 && dead.first?.lastError?.contains("no actor named 'nobody_runs_this'") == true)
        #expect(try await queue.depth(queue: "ingest") == 0)
    }

    @Test("a job past its time limit is cancelled and retried", arguments: QueueBackend.allCases)
    func timeLimit(backend: QueueBackend) async throws {
        let queue = try backend.makeQueues(clock: TestClock()).first
        try await queue.enqueue(Self.job("slow"))
        let cancelled = Flag()
        var worker = JobWorker(queue: queue, queueName: "ingest", actors: ["slow": { _ in
            // Far longer than any stall of a loaded test run: under make test's load a 30 s sleep once
            // ended before the 200 ms limit's task was scheduled.
            do { try await Task.sleep(for: .seconds(3600)) } catch { cancelled.raise(); throw error }
        }])
        worker.timeLimit = .milliseconds(200)
        #expect(try await worker.runOne())  // returns only once the hour-long job is cancelled
        #expect(cancelled.raised)
        #expect(try await queue.deadLetters(queue: "ingest").isEmpty)
        #expect(try await queue.depth(queue: "ingest") == 1, "waiting for its retry")
    }

    @Test("concurrency N runs N jobs at once", arguments: QueueBackend.allCases)
    func concurrency(backend: QueueBackend) async throws {
        let queue = try backend.makeQueues(clock: TestClock()).first
        for _ in 0..<6 { try await queue.enqueue(Self.job("work")) }
        let running = Running()
        let worker = JobWorker(queue: queue, queueName: "ingest", actors: ["work": { _ in
            await running.start()
            try await Task.sleep(for: .milliseconds(150))
            await running.finish()
        }])
        let stop = Flag()
        let loops = Task { await worker.run(concurrency: 3, polling: .milliseconds(20), stopping: { stop.raised }) }
        for _ in 0..<200 where await running.done < 6 { try await Task.sleep(for: .milliseconds(20)) }
        stop.raise()
        await loops.value
        #expect(await running.done == 6)
        #expect(await running.most == 3)
    }

    @Test("a graceful stop finishes the running job and takes no new one", arguments: QueueBackend.allCases)
    func gracefulStop(backend: QueueBackend) async throws {
        let queue = try backend.makeQueues(clock: TestClock()).first
        try await queue.enqueue(Self.job("work"))
        try await queue.enqueue(Self.job("work"))
        let stop = Flag()
        let running = Running()
        let worker = JobWorker(queue: queue, queueName: "ingest", actors: ["work": { _ in
            await running.start()
            stop.raise()  // the shutdown signal arrives while this job runs
            try await Task.sleep(for: .milliseconds(200))
            await running.finish()
        }])
        await worker.run(concurrency: 1, polling: .milliseconds(20), stopping: { stop.raised })
        #expect(await running.done == 1)
        #expect(try await queue.depth(queue: "ingest") == 1, "the second job is still queued")
    }

    @Test("on Redis an idle worker starts a new job when it is enqueued, not at its next poll")
    func wakeUp() async throws {
        let queue = try QueueBackend.redis.makeQueues(clock: TestClock()).first
        let done = Flag()
        let worker = JobWorker(queue: queue, queueName: "ingest", actors: ["work": { _ in done.raise() }])
        let stop = Flag()
        // A poll every ten minutes: only the wake-up can start the job within this test.
        let loop = Task { await worker.run(concurrency: 1, polling: .seconds(600), stopping: { stop.raised }) }
        try await Task.sleep(for: .milliseconds(300))  // the loop found nothing and waits
        try await queue.enqueue(Self.job("work"))
        for _ in 0..<300 where !done.raised { try await Task.sleep(for: .milliseconds(100)) }
        stop.raise()
        try await queue.enqueue(Self.job("work"))  // wakes the loop so it sees the stop
        await loop.value
        #expect(done.raised)
    }

    @Test("on Redis, prefetch takes several messages into one worker's hands; released, another worker has them")
    func prefetch() async throws {
        let queues = try QueueBackend.redis.makeQueues(clock: TestClock())
        let first = try #require(queues.first as? RedisJobQueue).prefetching(4)
        for _ in 0..<6 { try await first.enqueue(Self.job("work")) }
        let job = try #require(try await first.dequeue(queue: "ingest", lease: .seconds(60)))  // takes four
        var others = 0
        while let other = try await queues.second.dequeue(queue: "ingest", lease: .seconds(60)) {
            others += 1
            try await queues.second.complete(other)
        }
        #expect(others == 2)
        #expect(try await first.depth(queue: "ingest") == 4, "the four in hand still count")
        try await first.complete(job)
        try await first.releaseHeld()  // the three not handed out go back
        var again = 0
        while let other = try await queues.second.dequeue(queue: "ingest", lease: .seconds(60)) {
            again += 1
            try await queues.second.complete(other)
        }
        #expect(again == 3)
        #expect(try await first.depth(queue: "ingest") == 0)
    }
}
