import Foundation
import QuarryCore
import Synchronization

/// ``JobQueue`` on Redis in Dramatiq's layout and message format (DESIGN.md §6), so Python
/// Dramatiq actors and Quarry's workers share queues. A job's payload is the message's `kwargs`;
/// its name is the actor's. Every operation is one call of ``DispatchScript``.
///
/// Leases are Dramatiq's: a dequeued message sits in this worker's ack set, safe while the
/// worker's heartbeat (refreshed by every call, and by ``extend(_:lease:)`` while a job runs) is
/// younger than ``heartbeatTimeout``; after that any worker's maintenance puts it back on its queue.
public final class RedisJobQueue: JobQueue {
    public let client: RedisClient
    public let namespace: String
    /// This process's name in `__heartbeats__` and `__acks__.<worker>.<queue>`.
    public let workerId: String
    /// Used when a message names no `min_backoff` / `max_backoff` (milliseconds) of its own.
    public let backoff: Backoff
    private let scriptHash = Mutex<String?>(nil)
    /// Messages delivered here and not yet acked, by redis message id: a retry is built from them.
    private let holding = Mutex<[String: DramatiqMessage]>([:])
    /// Delayed messages taken from `q.DQ` that are not due yet, by base queue.
    private let waiting = Mutex<[String: [DramatiqMessage]]>([:])
    private let fetches = Mutex(0)
    /// Messages fetched ahead, in this worker's ack set and not yet handed out, by queue.
    private let prefetched = Mutex<[String: [(String, DramatiqMessage)]]>([:])
    /// Messages one fetch takes (Dramatiq's `queue_prefetch`): fewer round trips per message, at
    /// the price of holding work another worker could have started.
    public let prefetch: Int
    /// Milliseconds since 1970; a test moves it by hand.
    let now: @Sendable () -> Int64
    /// A worker silent this long is taken for dead, and what it held goes back on its queues
    /// (Dramatiq's `heartbeat_timeout`; every worker sharing the queues should use the same).
    public let heartbeatTimeout: Duration

    public init(client: RedisClient, namespace: String = "dramatiq", backoff: Backoff = Backoff(), heartbeatTimeout: Duration = .seconds(60),
                prefetch: Int = 1, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.client = client
        self.namespace = namespace
        self.backoff = backoff
        self.heartbeatTimeout = heartbeatTimeout
        self.prefetch = max(prefetch, 1)
        self.now = now
        workerId = UUID().uuidString.lowercased()
    }

    /// The same queue for a worker that fetches `count` messages at a time.
    public func prefetching(_ count: Int) -> any JobQueue {
        RedisJobQueue(client: client, namespace: namespace, backoff: backoff, heartbeatTimeout: heartbeatTimeout, prefetch: count, now: now)
    }

    // MARK: JobQueue

    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> String {
        guard case .object(let kwargs) = try? JSONDecoder().decode(JSONValue.self, from: job.payload) else {
            throw RedisError(message: "a job's payload must be a JSON object (the actor's keyword arguments)")
        }
        var options: [String: JSONValue] = ["max_retries": .int(Int64(max(job.maxAttempts - 1, 0)))]
        let time = now()
        // A delayed message waits in `q.DQ` with its `eta`, as Dramatiq's delayed messages do.
        if job.delay > .zero { options["eta"] = .int(time + Int64(job.delay.milliseconds.rounded())) }
        if let parent = job.traceParent { options[JobTrace.field] = .string(parent) }
        let message = DramatiqMessage(
            queue_name: job.queue, actor_name: job.name, args: [], kwargs: kwargs, options: options,
            message_id: job.messageID ?? UUID().uuidString.lowercased(), message_timestamp: time
        ).reissued()
        try await call("enqueue", queue: job.delay > .zero ? job.queue + ".DQ" : job.queue,
                       [message.redisMessageId!, message] + (job.messageID.map { [$0] as [any ScriptArgument] } ?? []))
        return message.message_id
    }

    public func dequeue(queue: String, lease: Duration) async throws -> LeasedJob? {
        try await promoteDue(queue)
        if let job = try await fetchOne(queue) { return job }
        // Nothing waiting: take delayed messages into this worker's hands, as Dramatiq's workers
        // do; those already due go onto the queue at once, the rest when they are.
        let delayed = try Self.pairs(try await call("fetch", queue: queue + ".DQ", ["16", "0"]))
        guard !delayed.isEmpty else { return nil }
        var undecodable: [String] = []
        var messages: [DramatiqMessage] = []
        for (id, body) in delayed {
            if let message = try? DramatiqMessage.decode(body) { messages.append(message) } else { undecodable.append(id) }
        }
        for id in undecodable { try await call("nack", queue: queue + ".DQ", [id]) }
        waiting.withLock { $0[queue, default: []] += messages }
        return try await promoteDue(queue) > 0 ? try await fetchOne(queue) : nil
    }

    public func extend(_ job: LeasedJob, lease: Duration) async throws {
        try await call("beat", queue: job.queue, [])
    }

    public func complete(_ job: LeasedJob) async throws {
        try await call("ack", queue: job.queue, [job.id])
        holding.withLock { _ = $0.removeValue(forKey: job.id) }
    }

    /// Dramatiq's Retries: while `retries` < `max_retries`, a copy with `retries + 1`, the error
    /// as `traceback` and an `eta` after the backoff goes to `q.DQ` (one atomic move); after
    /// that the message becomes a dead letter in `q.XQ`. The message stays in hand until Redis
    /// has it, so a call that failed (Redis restarting) can be made again to the same effect.
    public func fail(_ job: LeasedJob, error: String) async throws {
        guard let message = holding.withLock({ $0[job.id] }), message.retries < message.maxRetries else {
            return try await deadLetter(job, error: error)  // the dead letter keeps its last error
        }
        let time = now()
        var retry = message.reissued()
        retry.options["retries"] = .int(message.retries + 1)
        retry.options["traceback"] = .string(String(error.prefix(4096)))
        retry.options["requeue_timestamp"] = .int(time)
        retry.options["eta"] = .int(time + Int64((delay(message).milliseconds).rounded()))
        try await call("move", queue: job.queue, [job.id, job.queue + ".DQ", retry.redisMessageId!, retry])
        holding.withLock { _ = $0.removeValue(forKey: job.id) }
    }

    public func deadLetter(_ job: LeasedJob, error: String) async throws {
        if var message = holding.withLock({ $0[job.id] }) {
            message.options["traceback"] = .string(String(error.prefix(4096)))
            try await call("nack", queue: job.queue, [job.id, message])
        } else {
            try await call("nack", queue: job.queue, [job.id])
        }
        holding.withLock { _ = $0.removeValue(forKey: job.id) }
    }

    public func depth(queue: String) async throws -> Int {
        try await call("depth", queue: queue, []).int ?? 0
    }

    public func deadLetters(queue: String) async throws -> [LeasedJob] {
        try await call("dead", queue: queue, []).array.compactMap { value in
            value.data.flatMap { try? DramatiqMessage.decode($0) }.map { Self.job($0) }
        }
    }

    /// Gives back what this worker holds, undelivered or running, for another worker to take at
    /// once (graceful shutdown; a crash leaves it to the heartbeat timeout instead).
    public func releaseHeld() async throws {
        prefetched.withLock { $0.removeAll() }  // all of them are in `holding` too
        let running = holding.withLock { held in defer { held.removeAll() }; return held }
        let delayed = waiting.withLock { held in defer { held.removeAll() }; return held }
        for (queue, ids) in Dictionary(grouping: running, by: { $0.value.queue_name }).mapValues({ $0.map(\.key) }) {
            try await call("requeue", queue: queue, ids)
        }
        for (queue, messages) in delayed where !messages.isEmpty {
            try await call("requeue", queue: queue + ".DQ", messages.compactMap(\.redisMessageId))
        }
    }

    /// Blocks on the queue's wake-up list (BLPOP, at most `timeout`, which stays under the client's
    /// read timeout), which every enqueue onto the queue pushes to: an idle worker starts a new
    /// job within a round trip instead of at its next poll. Messages sent by Dramatiq itself push
    /// no token, so they wait for the poll.
    public func waitForWork(queue: String, timeout: Duration) async {
        let seconds = min(timeout, client.timeout - .milliseconds(500)).seconds
        guard seconds > 0.01 else {
            // Too short to block on (BLPOP takes seconds, and 0 is for ever): a plain wait, as a
            // poll. Returning at once made a short poll a loop that fetched without pause.
            try? await Task.sleep(for: timeout)
            return
        }
        do {
            _ = try await client.command(["BLPOP", "\(namespace):\(queue).wake", String(format: "%.3f", seconds)], waiting: true)
        } catch {
            try? await Task.sleep(for: timeout)  // Redis away: wait as a poll would
        }
    }

    public var backend: BackendIdentity {
        BackendIdentity(kind: "redis", target: "\(client.endpoint.host):\(client.endpoint.port) namespace \(namespace)")
    }

    /// Whether Redis answers (and holds the script): `nil` when ready, else why not.
    public func problem() async -> String? {
        do {
            try await call("beat", queue: "__ready__", [])
            return nil
        } catch {
            return "\(error)"
        }
    }

    // MARK: Internals

    private func fetchOne(_ queue: String) async throws -> LeasedJob? {
        while true {
            if let (id, message) = prefetched.withLock({ $0[queue]?.isEmpty == false ? $0[queue]?.removeFirst() : nil }) {
                // max_age is checked at hand-out: a message may age while it waits here.
                if let maxAge = message.options["max_age"]?.int, message.message_timestamp + maxAge < now() {
                    try await deadLetter(Self.job(message, id: id), error: "older than its max_age of \(maxAge) ms: not run")
                    continue
                }
                return Self.job(message, id: id)
            }
            // Every 32nd fetch also recovers dead workers' messages and prunes old dead letters.
            let maintain = fetches.withLock { count in count += 1; return count % 32 == 1 }
            let fetched = try Self.pairs(try await call("fetch", queue: queue, [String(prefetch), maintain ? "1" : "0"]))
            guard !fetched.isEmpty else { return nil }
            for (id, body) in fetched {
                guard var message = try? DramatiqMessage.decode(body) else {
                    try await call("nack", queue: queue, [id])  // unreadable: kept as it came, for a person to look at
                    continue
                }
                if !message.args.isEmpty {
                    message.options["traceback"] = .string("positional arguments: Quarry's actors take keyword arguments only (Docs/QUEUES.md)")
                    try await call("nack", queue: queue, [id, message])
                    continue
                }
                holding.withLock { $0[id] = message }
                prefetched.withLock { $0[queue, default: []].append((id, message)) }
            }
        }
    }

    /// Moves the waiting delayed messages of `queue` that are due onto it; returns how many.
    @discardableResult
    private func promoteDue(_ queue: String) async throws -> Int {
        let time = now()
        let due = waiting.withLock { waiting in
            let all = waiting[queue] ?? []
            waiting[queue] = all.filter { ($0.eta ?? 0) > time }
            return all.filter { ($0.eta ?? 0) <= time }
        }
        for message in due {
            let next = message.reissued()
            try await call("move", queue: queue + ".DQ", [message.redisMessageId ?? "", queue, next.redisMessageId!, next])
        }
        return due.count
    }

    private func delay(_ message: DramatiqMessage) -> Duration {
        let minimum = message.options["min_backoff"]?.int.map { Duration.milliseconds($0) } ?? backoff.minimum
        let maximum = message.options["max_backoff"]?.int.map { Duration.milliseconds($0) } ?? backoff.maximum
        return Backoff(minimum: minimum, maximum: maximum).delay(afterAttempt: Int(message.retries) + 1)
    }

    static func job(_ message: DramatiqMessage, id: String? = nil) -> LeasedJob {
        let payload = (try? JSONEncoder().encode(message.kwargs)) ?? Data("{}".utf8)
        return LeasedJob(
            id: id ?? message.redisMessageId ?? message.message_id, queue: message.queue_name, name: message.actor_name, payload: payload,
            attempt: Int(message.retries) + 1, maxAttempts: Int(message.maxRetries) + 1, lastError: message.options["traceback"]?.string,
            timeLimit: message.options["time_limit"]?.int.map { .milliseconds($0) }, traceParent: message.options[JobTrace.field]?.string
        )
    }

    /// `[id, message, id, message, …]` as pairs.
    static func pairs(_ value: RedisValue) throws -> [(String, Data)] {
        let items = value.array
        return stride(from: 0, to: items.count - 1, by: 2).compactMap { index in
            guard let id = items[index].data, let body = items[index + 1].data else { return nil }
            return (String(decoding: id, as: UTF8.self), body)
        }
    }

    // MARK: Script

    /// One operation of the script. Loads it on first use, and again when Redis has lost it.
    @discardableResult
    private func call(_ operation: String, queue: String, _ extra: [any ScriptArgument]) async throws -> RedisValue {
        let timeout = String(Int64(heartbeatTimeout.milliseconds))
        let arguments = try [operation, String(now()), namespace, queue, workerId, timeout].map { Data($0.utf8) } + extra.map { try $0.scriptData() }
        for attempt in 0..<2 {
            let hash = try await loadedScript(reload: attempt > 0)
            do {
                return try await client.command([Data("EVALSHA".utf8), Data(hash.utf8), Data("0".utf8)] + arguments)
            } catch let error as RedisError where error.message.hasPrefix("NOSCRIPT") && attempt == 0 {
                continue
            }
        }
        throw RedisError(message: "the queue script could not be loaded")
    }

    private func loadedScript(reload: Bool) async throws -> String {
        if !reload, let hash = scriptHash.withLock({ $0 }) { return hash }
        guard let hash = try await client.command(["SCRIPT", "LOAD", DispatchScript.source]).data else {
            throw RedisError(message: "SCRIPT LOAD returned no hash")
        }
        let text = String(decoding: hash, as: UTF8.self)
        scriptHash.withLock { $0 = text }
        return text
    }
}

/// What the script's arguments may be: text, or a message (encoded).
protocol ScriptArgument {
    func scriptData() throws -> Data
}

extension String: ScriptArgument {
    func scriptData() throws -> Data { Data(utf8) }
}

extension DramatiqMessage: ScriptArgument {
    func scriptData() throws -> Data { try encoded() }
}
