import Foundation

/// Durable work queues with at-least-once delivery (DESIGN.md §6): a dequeued job is leased, and
/// comes back when its lease runs out before it is completed; a failed job is retried with
/// exponential backoff and, its attempts spent, kept as a dead letter. Implementations: the
/// embedded queue (SQLite) and Redis in Dramatiq's layout.
public protocol JobQueue: BackendProbe {
    @discardableResult
    func enqueue(_ job: NewJob) async throws -> String
    /// The next job of `queue` that is due, leased for `lease`; nil when there is none.
    func dequeue(queue: String, lease: Duration) async throws -> LeasedJob?
    /// Extends a job's lease from now (a worker's heartbeat while the job runs).
    func extend(_ job: LeasedJob, lease: Duration) async throws
    func complete(_ job: LeasedJob) async throws
    /// Schedules a retry, or makes the job a dead letter when its attempts are spent.
    func fail(_ job: LeasedJob, error: String) async throws
    /// Makes the job a dead letter at once, with `error` as the reason (an actor nobody runs, a
    /// message past its `max_age`): retrying could not help.
    func deadLetter(_ job: LeasedJob, error: String) async throws
    /// Jobs waiting or leased on `queue` (dead letters not counted).
    func depth(queue: String) async throws -> Int
    func deadLetters(queue: String) async throws -> [LeasedJob]
    /// Returns when `queue` may have work, or after `timeout`: how an idle worker waits. A queue
    /// that cannot tell (the embedded one) simply sleeps.
    func waitForWork(queue: String, timeout: Duration) async
    /// The same queue, handing out up to `count` messages per fetch to the worker that holds it
    /// (Dramatiq's prefetch), so a busy worker asks the back end less often.
    func prefetching(_ count: Int) -> any JobQueue
    /// Gives back what this process fetched ahead and has not begun, so another worker has it at
    /// once (graceful shutdown); a crash gives it back when the lease runs out.
    func releaseHeld() async throws
}

extension JobQueue {
    public func waitForWork(queue: String, timeout: Duration) async {
        try? await Task.sleep(for: timeout)
    }

    /// A queue that leases one job per call fetches nothing ahead.
    public func prefetching(_ count: Int) -> any JobQueue { self }

    /// A queue that leases one job per call holds nothing ahead.
    public func releaseHeld() async throws {}
}

public struct NewJob: Sendable, Equatable {
    public var queue: String
    /// What to do (Dramatiq's actor name), e.g. `ingest_document`.
    public var name: String
    /// JSON arguments.
    public var payload: Data
    public var maxAttempts: Int
    /// The sender's id for the message: while a message with this id is kept (waiting, running
    /// or dead; on Redis, for a day), enqueueing it again adds nothing. Nil: a fresh id.
    public var messageID: String?
    /// Not to be delivered before this much time has passed.
    public var delay: Duration
    /// The W3C `traceparent` of the span that queued it (``JobTrace``): its run continues that trace.
    public var traceParent: String?

    public init(queue: String, name: String, payload: Data, maxAttempts: Int = 5, messageID: String? = nil, delay: Duration = .zero,
                traceParent: String? = JobTrace.currentParent()) {
        self.traceParent = traceParent
        self.queue = queue
        self.name = name
        self.payload = payload
        self.maxAttempts = maxAttempts
        self.messageID = messageID
        self.delay = delay
    }
}

public struct LeasedJob: Sendable, Equatable {
    public var id: String
    public var queue: String
    public var name: String
    public var payload: Data
    /// Deliveries so far, this one included.
    public var attempt: Int
    public var maxAttempts: Int
    public var lastError: String?
    /// How long a run may take, when the job says (Dramatiq's `time_limit`); else the worker's default.
    public var timeLimit: Duration?
    /// The W3C `traceparent` the job was queued with, when it was queued inside a trace.
    public var traceParent: String?

    public init(id: String, queue: String, name: String, payload: Data, attempt: Int, maxAttempts: Int, lastError: String? = nil,
                timeLimit: Duration? = nil, traceParent: String? = nil) {
        self.traceParent = traceParent
        self.id = id
        self.queue = queue
        self.name = name
        self.payload = payload
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.lastError = lastError
        self.timeLimit = timeLimit
    }
}

/// Dramatiq's retry schedule: `min · 2^(attempt − 1)`, at most `max`, with up to half again of
/// random jitter so failed jobs do not come back in lockstep.
public struct Backoff: Sendable, Equatable {
    public var minimum: Duration
    public var maximum: Duration

    public init(minimum: Duration = .seconds(15), maximum: Duration = .seconds(3600)) {
        self.minimum = minimum
        self.maximum = maximum
    }

    public func delay(afterAttempt attempt: Int, jitter: Double = Double.random(in: 0..<0.5)) -> Duration {
        let base = minimum * Int(1 << min(max(attempt - 1, 0), 30))
        let capped = min(base, maximum)
        return capped + capped * jitter
    }
}
