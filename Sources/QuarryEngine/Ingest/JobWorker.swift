import Foundation
import Metrics
import QuarryCore
import Tracing
import Synchronization

/// Takes jobs from one queue and runs them with the actor each names: complete on success, fail
/// (retry with backoff, or dead letter) on error, dead letter at once for an actor it does not
/// know. While a job runs, its lease is renewed every third of its length (on Redis: the worker's
/// heartbeat), so a job goes to another worker soon after its worker dies, and never while it is
/// alive. A job running past its time limit (the message's `time_limit`, else 10 minutes, as
/// Dramatiq's) is cancelled and counts as a failure.
///
/// Metrics: `quarry_jobs_total{queue, actor, outcome}` (outcome `done`, `retried`, `dead`) and
/// `node_retry_total{queue, actor}`.
public struct JobWorker: Sendable {
    public typealias Actor = @Sendable (LeasedJob) async throws -> Void

    public let queue: any JobQueue
    public let queueName: String
    /// Handlers by actor name.
    public let actors: [String: Actor]
    /// How long after its worker's last heartbeat a job may go to another worker.
    public var lease: Duration = .seconds(30)
    /// A job's time limit when it names none.
    public var timeLimit: Duration = .seconds(600)

    public init(queue: any JobQueue, queueName: String, actors: [String: Actor]) {
        self.queue = queue
        self.queueName = queueName
        self.actors = actors
    }

    /// The job ran too long and was cancelled.
    public struct TimeLimitExceeded: Error, CustomStringConvertible {
        public let limit: Duration
        public var description: String { "time limit of \(limit) exceeded" }
    }

    /// Runs the next due job; false when there was none.
    @discardableResult
    public func runOne() async throws -> Bool {
        guard let job = try await queue.dequeue(queue: queueName, lease: lease) else { return false }
        guard let actor = actors[job.name] else {
            try await queue.deadLetter(job, error: "no actor named '\(job.name)' on queue '\(queueName)'")
            count(job, "dead")
            return true
        }
        let heartbeat = Task { [queue, lease] in
            while !Task.isCancelled {
                try? await Task.sleep(for: lease / 3)
                if !Task.isCancelled { try? await queue.extend(job, lease: lease) }
            }
        }
        defer { heartbeat.cancel() }
        let outcome: Result<Void, any Error>
        do {
            // The trace of whoever queued the job goes on here, in this process or another.
            try await withSpan(job.name, context: JobTrace.context(parent: job.traceParent), ofKind: .consumer) { span in
                span.attributes["messaging.destination.name"] = queueName
                span.attributes["quarry.job.attempt"] = job.attempt
                try await Self.run(job, actor, within: job.timeLimit ?? timeLimit)
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        heartbeat.cancel()
        switch outcome {
        case .success:
            try await settle { try await queue.complete(job) }
            count(job, "done")
        case .failure(let error):
            try await settle { try await queue.fail(job, error: "\(error)") }
            let retried = job.attempt < job.maxAttempts
            count(job, retried ? "retried" : "dead")
            if retried { Counter(label: "node_retry_total", dimensions: [("queue", queueName), ("actor", job.name)]).increment() }
        }
        return true
    }

    /// Acks or fails the job, trying again while the queue is away (a Redis restart): the work is
    /// done, and a settlement that never lands would leave the job held by a live worker forever.
    /// Gives up after about two minutes; the job then comes back once this worker is gone.
    private func settle(_ operation: () async throws -> Void) async throws {
        let backoff = Backoff(minimum: .milliseconds(100), maximum: .seconds(5))
        let deadline = ContinuousClock.now + .seconds(120)
        var attempt = 0
        while true {
            do {
                return try await operation()
            } catch let error as BackendUnavailable {
                attempt += 1
                let delay = backoff.delay(afterAttempt: attempt)
                guard ContinuousClock.now + delay < deadline else { throw error }
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Runs jobs on `concurrency` loops until `stopping` says so (or the task is cancelled); an
    /// idle loop waits for work (``JobQueue/waitForWork(queue:timeout:)``) up to `interval`. A loop finishes the job it has before it
    /// stops, so a graceful shutdown loses no work and leaves none half done.
    public func run(concurrency: Int = 1, polling interval: Duration = .milliseconds(500), stopping: @escaping @Sendable () -> Bool = { false }) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(concurrency, 1) {
                group.addTask {
                    while !Task.isCancelled, !stopping() {
                        let worked = (try? await runOne()) ?? false
                        if !worked, !stopping() { await queue.waitForWork(queue: queueName, timeout: interval) }
                    }
                }
            }
        }
    }

    /// `actor(job)`, cancelled and failed with ``TimeLimitExceeded`` once `limit` has passed.
    static func run(_ job: LeasedJob, _ actor: @escaping Actor, within limit: Duration) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await actor(job)
                return true
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            let finished = try await group.next() ?? false
            group.cancelAll()
            if !finished { throw TimeLimitExceeded(limit: limit) }
        }
    }

    private func count(_ job: LeasedJob, _ outcome: String) {
        Counter(label: "quarry_jobs_total", dimensions: [("queue", queueName), ("actor", job.name), ("outcome", outcome)]).increment()
    }
}
