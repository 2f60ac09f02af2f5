import CSQLite
import Foundation
import Synchronization

/// One SQLite database file, used from any thread: WAL journal and `synchronous = FULL`, so a
/// committed transaction survives a crash of the process or the machine, and one cut short by
/// `kill -9` is rolled back, never half-applied.
///
/// Two connections, each behind its own lock: the writer, and a reader for statements that only
/// read (``query(_:_:)`` sends them there, ``read(_:)`` takes a snapshot), so reads never wait on
/// the writer's fsync. ``write(_:)`` commits a transaction together with the others that wait
/// meanwhile (group commit): one fsync for many, done on the writer's own thread.
public final class SQLiteDatabase: Sendable {
    public enum Value: Sendable, Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])

        public var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
        public var real: Double? { if case .real(let value) = self { value } else if case .integer(let value) = self { Double(value) } else { nil } }
        public var text: String? { if case .text(let value) = self { value } else { nil } }
        public var blob: [UInt8]? { if case .blob(let value) = self { value } else { nil } }
    }

    public struct SQLiteError: Error, CustomStringConvertible {
        public let code: Int32
        public let message: String
        public var description: String { "SQLite error \(code): \(message)" }
    }

    /// The handle and its prepared statements, reused by SQL text: preparing cost about as much
    /// as running the short lookups of the query path, and every insert of an ingest prepared
    /// its statement again. Used only under the lock.
    fileprivate final class Connection: @unchecked Sendable {
        let handle: OpaquePointer
        private var statements: [String: OpaquePointer] = [:]
        /// Statements kept at most: SQL written with one placeholder per id differs by count.
        static let statementLimit = 64

        init(handle: OpaquePointer) {
            self.handle = handle
        }

        /// `sql` prepared, from the cache or now; reset and unbound after each use by ``run``.
        func statement(_ sql: String) throws(SQLiteError) -> OpaquePointer {
            if let statement = statements[sql] { return statement }
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
                throw SQLiteError(code: sqlite3_errcode(handle), message: String(cString: sqlite3_errmsg(handle)))
            }
            if statements.count >= Self.statementLimit { finalizeAll() }
            statements[sql] = statement
            return statement
        }

        /// SQL known to write, so not prepared on the reader again.
        private var writes: Set<String> = []

        /// Whether `sql` only reads (prepared here when it does).
        func readsOnly(_ sql: String) throws(SQLiteError) -> Bool {
            if writes.contains(sql) { return false }
            let statement = try statement(sql)
            guard sqlite3_stmt_readonly(statement) != 0 else {
                writes.insert(sql)
                return false
            }
            return true
        }

        func finalizeAll() {
            for statement in statements.values { sqlite3_finalize(statement) }
            statements.removeAll()
        }
    }

    private let connection: Mutex<Connection>
    private let reader: Mutex<Connection>
    /// ``write(_:)`` calls not yet begun, and the thread that commits them.
    private let waiting = Mutex<[PendingWrite]>([])
    private let writer = DispatchQueue(label: "quarry.sqlite.writer")
    public let path: String

    public init(path: String) throws(SQLiteError) {
        self.path = path
        let writing = Connection(handle: try Self.open(path))
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"] { try Self.run(writing, pragma, []) }
        // Opened once the file is in WAL mode; it never writes.
        let reading = Connection(handle: try Self.open(path))
        try Self.run(reading, "PRAGMA query_only = ON", [])
        connection = Mutex(writing)
        reader = Mutex(reading)
    }

    private static func open(_ path: String) throws(SQLiteError) -> OpaquePointer {
        var handle: OpaquePointer?
        let status = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw SQLiteError(code: status, message: "\(path): \(message)")
        }
        sqlite3_busy_timeout(handle, 5000)
        return handle
    }

    deinit {
        reader.withLock { Self.close($0) }
        connection.withLock { Self.close($0) }
    }

    private static func close(_ connection: Connection) {
        connection.finalizeAll()
        _ = sqlite3_close_v2(connection.handle)
    }

    /// Runs statements that return nothing (several, separated by semicolons).
    public func execute(_ sql: String) throws(SQLiteError) {
        try connection.withLock { connection throws(SQLiteError) in
            var message: UnsafeMutablePointer<CChar>?
            let status = sqlite3_exec(connection.handle, sql, nil, nil, &message)
            if status != SQLITE_OK {
                let text = message.map { String(cString: $0) } ?? "failed"
                sqlite3_free(message)
                throw SQLiteError(code: status, message: text)
            }
        }
    }

    /// Runs one statement with `?` parameters and returns its rows: on the reader when it only
    /// reads, so it never waits on a commit.
    @discardableResult
    public func query(_ sql: String, _ parameters: [Value] = []) throws(SQLiteError) -> [[Value]] {
        let read = try reader.withLock { reader throws(SQLiteError) -> [[Value]]? in
            try reader.readsOnly(sql) ? try Self.run(reader, sql, parameters) : nil
        }
        if let read { return read }
        return try connection.withLock { connection throws(SQLiteError) in try Self.run(connection, sql, parameters) }
    }

    /// Runs `body`'s reads on one snapshot of the database (a read transaction on the reader),
    /// which no commit waits for and none changes.
    public func read<T>(_ body: (Transaction) throws -> T) throws -> T {
        try reader.withLock { reader in
            try Self.run(reader, "BEGIN", [])
            defer { _ = try? Self.run(reader, "COMMIT", []) }
            return try body(Transaction(connection: reader))
        }
    }

    /// Runs `body` in a transaction on the writer's thread, committed with every other `write`
    /// waiting by then: each in a savepoint of its own, so one that throws is undone alone and
    /// the others still commit, all of them with one fsync. The calling task waits without
    /// holding a thread. `body` must reach the database only through its transaction.
    public func write<T>(_ body: (Transaction) throws -> T) async throws -> T {
        try await withoutActuallyEscaping(body) { body in
            let box = try await withCheckedThrowingContinuation { continuation in
                let pending = PendingWrite({ transaction in
                    do { return .success(Box(try body(transaction))) } catch { return .failure(error) }
                }, continuation: continuation)
                let first = waiting.withLock { queue in
                    queue.append(pending)
                    return queue.count == 1
                }
                if first { writer.async { self.commitWaiting() } }
            }
            return box.value as! T
        }
    }

    /// Commits what ``write(_:)`` calls wait, in one transaction.
    private func commitWaiting() {
        let batch = waiting.withLock { queue in
            defer { queue.removeAll() }
            return queue
        }
        guard !batch.isEmpty else { return }
        let failure = connection.withLock { connection -> (any Error)? in
            do {
                try Self.run(connection, "BEGIN IMMEDIATE", [])
                for pending in batch {
                    try Self.run(connection, "SAVEPOINT write", [])
                    if !pending.perform(Transaction(connection: connection)) { try Self.run(connection, "ROLLBACK TO write", []) }
                    try Self.run(connection, "RELEASE write", [])
                }
                try Self.run(connection, "COMMIT", [])
                return nil
            } catch {
                _ = try? Self.run(connection, "ROLLBACK", [])
                return error
            }
        }
        for pending in batch { pending.finish(committed: failure) }
    }

    /// Runs `body` in one transaction (`BEGIN IMMEDIATE`): all of it is committed, or none of it
    /// when it throws or the process dies first.
    public func transaction<T>(_ body: (Transaction) throws -> T) throws -> T {
        try connection.withLock { connection in
            try Self.run(connection, "BEGIN IMMEDIATE", [])
            do {
                let result = try body(Transaction(connection: connection))
                try Self.run(connection, "COMMIT", [])
                return result
            } catch {
                _ = try? Self.run(connection, "ROLLBACK", [])
                throw error
            }
        }
    }

    /// Statements inside ``transaction(_:)``.
    public struct Transaction {
        fileprivate let connection: Connection

        @discardableResult
        public func query(_ sql: String, _ parameters: [Value] = []) throws(SQLiteError) -> [[Value]] {
            try SQLiteDatabase.run(connection, sql, parameters)
        }
    }

    @discardableResult
    private static func run(_ connection: Connection, _ sql: String, _ parameters: [Value]) throws(SQLiteError) -> [[Value]] {
        let handle = connection.handle
        let statement = try connection.statement(sql)
        // Reset at once, error or not: a statement left mid-step would hold its read transaction.
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, parameter) in parameters.enumerated() {
            let index = Int32(offset + 1)
            switch parameter {
            case .null: sqlite3_bind_null(statement, index)
            case .integer(let value): sqlite3_bind_int64(statement, index, value)
            case .real(let value): sqlite3_bind_double(statement, index, value)
            case .text(let value): sqlite3_bind_text(statement, index, value, -1, quarry_sqlite_transient())
            case .blob(let value):
                value.withUnsafeBytes { bytes in
                    _ = sqlite3_bind_blob(statement, index, bytes.baseAddress, Int32(bytes.count), quarry_sqlite_transient())
                }
            }
        }
        var rows: [[Value]] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return rows }
            guard status == SQLITE_ROW else {
                throw SQLiteError(code: status, message: String(cString: sqlite3_errmsg(handle)))
            }
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: .integer(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: .real(sqlite3_column_double(statement, column))
                case SQLITE_TEXT: .text(String(cString: sqlite3_column_text(statement, column)))
                case SQLITE_BLOB:
                    .blob(Array(UnsafeRawBufferPointer(start: sqlite3_column_blob(statement, column), count: Int(sqlite3_column_bytes(statement, column)))))
                default: .null
                }
            })
        }
    }
}

/// A value handed from the writer's thread to the task that waits for it.
private final class Box: @unchecked Sendable {
    let value: Any
    init(_ value: Any) { self.value = value }
}

/// One ``SQLiteDatabase/write(_:)`` call: its work, run on the writer's thread, and the task
/// waiting for its batch to be committed. Used by the writer's thread alone once made.
private final class PendingWrite: @unchecked Sendable {
    /// Dropped once run or given up, before the waiting task resumes: it holds the caller's
    /// closure, which must not outlive the call.
    private var work: ((SQLiteDatabase.Transaction) -> Result<Box, any Error>)?
    private var outcome: Result<Box, any Error>?
    private let continuation: CheckedContinuation<Box, any Error>

    init(_ work: @escaping (SQLiteDatabase.Transaction) -> Result<Box, any Error>, continuation: CheckedContinuation<Box, any Error>) {
        self.work = work
        self.continuation = continuation
    }

    /// Runs the work inside the batch's transaction; false when it threw.
    func perform(_ transaction: SQLiteDatabase.Transaction) -> Bool {
        let result = work?(transaction) ?? .failure(CancellationError())
        work = nil
        outcome = result
        if case .success = result { return true }
        return false
    }

    /// The batch ended, committed when `failure` is nil: the work's own outcome; else its own
    /// error, or the batch's.
    func finish(committed failure: (any Error)?) {
        work = nil
        switch (outcome, failure) {
        case (.failure(let error)?, _): continuation.resume(throwing: error)
        case (_, let failure?): continuation.resume(throwing: failure)
        case (.success(let value)?, nil): continuation.resume(returning: value)
        case (nil, nil): continuation.resume(throwing: CancellationError())
        }
    }
}
