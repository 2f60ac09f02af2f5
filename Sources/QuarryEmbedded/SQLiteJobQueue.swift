import Foundation
import QuarryCore

/// The embedded job queue: table `jobs` in SQLite, each dequeue one transaction that leases the
/// oldest due job, so a job survives restarts and a worker that dies mid-job hands it back when
/// its lease runs out (at-least-once).
public final class SQLiteJobQueue: JobQueue {
    let database: SQLiteDatabase
    let backoff: Backoff
    /// Seconds since 1970, replaceable in tests.
    let now: @Sendable () -> Double

    public var backend: BackendIdentity { database.backend }
    public func problem() async -> String? { database.problem() }

    public init(database: SQLiteDatabase, backoff: Backoff = Backoff(), now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        self.database = database
        self.backoff = backoff
        self.now = now
        try database.execute("""
            CREATE TABLE IF NOT EXISTS jobs (
                id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, name TEXT NOT NULL, payload BLOB NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL,
                state TEXT NOT NULL DEFAULT 'ready', available_at REAL NOT NULL, last_error TEXT);
            CREATE INDEX IF NOT EXISTS jobs_due ON jobs (queue, state, available_at);
            """)
        // Added with workflows: a sender's message id, unique while the job is kept.
        let columns = try database.query("PRAGMA table_info(jobs)").compactMap { $0[1].text }
        if !columns.contains("message_id") { try database.execute("ALTER TABLE jobs ADD COLUMN message_id TEXT") }
        // Added with tracing: the W3C traceparent the job was queued with.
        if !columns.contains("traceparent") { try database.execute("ALTER TABLE jobs ADD COLUMN traceparent TEXT") }
        try database.execute("CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_message ON jobs (message_id) WHERE message_id IS NOT NULL")
    }

    public func enqueue(_ job: NewJob) async throws -> String {
        try database.transaction { transaction in
            if let id = job.messageID,
               let kept = try transaction.query("SELECT id FROM jobs WHERE message_id = ?", [.text(id)]).first?.first?.integer {
                return String(kept)
            }
            try transaction.query("INSERT INTO jobs (queue, name, payload, max_attempts, available_at, message_id, traceparent) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                  [.text(job.queue), .text(job.name), .blob(Array(job.payload)), .integer(Int64(job.maxAttempts)),
                                   .real(now() + job.delay.seconds), job.messageID.map { .text($0) } ?? .null, job.traceParent.map { .text($0) } ?? .null])
            return String(try transaction.query("SELECT last_insert_rowid()").first?.first?.integer ?? 0)
        }
    }

    public func dequeue(queue: String, lease: Duration) async throws -> LeasedJob? {
        let time = now()
        return try database.transaction { transaction -> LeasedJob? in
            // Ready and due, or leased by a worker whose lease has run out (available_at is the lease's end).
            guard let row = try transaction.query(
                "SELECT id, name, payload, attempts, max_attempts, last_error, traceparent FROM jobs WHERE queue = ? AND state IN ('ready', 'leased') AND available_at <= ? ORDER BY available_at, id LIMIT 1",
                [.text(queue), .real(time)]
            ).first, let id = row[0].integer else { return nil }
            let attempt = Int(row[3].integer ?? 0) + 1
            try transaction.query("UPDATE jobs SET state = 'leased', attempts = ?, available_at = ? WHERE id = ?",
                                  [.integer(Int64(attempt)), .real(time + lease.seconds), .integer(id)])
            return LeasedJob(id: String(id), queue: queue, name: row[1].text ?? "", payload: Data(row[2].blob ?? []),
                             attempt: attempt, maxAttempts: Int(row[4].integer ?? 1), lastError: row[5].text, traceParent: row[6].text)
        }
    }

    public func extend(_ job: LeasedJob, lease: Duration) async throws {
        try database.query("UPDATE jobs SET available_at = ? WHERE id = ? AND state = 'leased'",
                           [.real(now() + lease.seconds), .integer(Int64(job.id) ?? -1)])
    }

    public func complete(_ job: LeasedJob) async throws {
        try database.query("DELETE FROM jobs WHERE id = ?", [.integer(Int64(job.id) ?? -1)])
    }

    public func fail(_ job: LeasedJob, error: String) async throws {
        if job.attempt >= job.maxAttempts {
            try database.query("UPDATE jobs SET state = 'dead', last_error = ? WHERE id = ?", [.text(error), .integer(Int64(job.id) ?? -1)])
        } else {
            let due = now() + backoff.delay(afterAttempt: job.attempt).seconds
            try database.query("UPDATE jobs SET state = 'ready', available_at = ?, last_error = ? WHERE id = ?",
                               [.real(due), .text(error), .integer(Int64(job.id) ?? -1)])
        }
    }

    public func deadLetter(_ job: LeasedJob, error: String) async throws {
        try database.query("UPDATE jobs SET state = 'dead', last_error = ? WHERE id = ?", [.text(error), .integer(Int64(job.id) ?? -1)])
    }

    public func depth(queue: String) async throws -> Int {
        Int(try database.query("SELECT count(*) FROM jobs WHERE queue = ? AND state IN ('ready', 'leased')", [.text(queue)]).first?.first?.integer ?? 0)
    }

    public func deadLetters(queue: String) async throws -> [LeasedJob] {
        try database.query("SELECT id, name, payload, attempts, max_attempts, last_error, traceparent FROM jobs WHERE queue = ? AND state = 'dead' ORDER BY id",
                           [.text(queue)]).map { row in
            LeasedJob(id: String(row[0].integer ?? 0), queue: queue, name: row[1].text ?? "", payload: Data(row[2].blob ?? []),
                      attempt: Int(row[3].integer ?? 0), maxAttempts: Int(row[4].integer ?? 0), lastError: row[5].text, traceParent: row[6].text)
        }
    }
}
