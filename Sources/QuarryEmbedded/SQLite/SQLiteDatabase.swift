import CSQLite
import Foundation
import Synchronization

/// One SQLite database file, used from any thread through a lock: WAL journal (readers never wait
/// on the writer's fsync) and `synchronous = FULL`, so a committed transaction survives a crash of
/// the process or the machine, and one cut short by `kill -9` is rolled back, never half-applied.
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

        func finalizeAll() {
            for statement in statements.values { sqlite3_finalize(statement) }
            statements.removeAll()
        }
    }

    private let connection: Mutex<Connection>
    public let path: String

    public init(path: String) throws(SQLiteError) {
        var handle: OpaquePointer?
        let status = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw SQLiteError(code: status, message: "\(path): \(message)")
        }
        self.path = path
        connection = Mutex(Connection(handle: handle))
        sqlite3_busy_timeout(handle, 5000)
        try execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
    }

    deinit {
        connection.withLock { connection in
            connection.finalizeAll()
            _ = sqlite3_close_v2(connection.handle)
        }
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

    /// Runs one statement with `?` parameters and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [Value] = []) throws(SQLiteError) -> [[Value]] {
        try connection.withLock { connection throws(SQLiteError) in try Self.run(connection, sql, parameters) }
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
