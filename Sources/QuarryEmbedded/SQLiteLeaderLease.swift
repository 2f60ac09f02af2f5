import Foundation
import QuarryCore

/// The embedded leader lease: table `leases` in the data directory's SQLite, beside the embedded
/// queue, so two processes on one data directory (`quarry serve` and a `quarry scheduler`) agree
/// on who leads. Taking or extending it is one statement, so SQLite decides a race.
public final class SQLiteLeaderLease: LeaderLease {
    let database: SQLiteDatabase
    /// Seconds since 1970, replaceable in tests.
    let now: @Sendable () -> Double

    public init(database: SQLiteDatabase, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        self.database = database
        self.now = now
        try database.execute("CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at REAL NOT NULL)")
    }

    public func acquire(_ name: String, holder: String, for duration: Duration) async throws -> Bool {
        let time = now()
        return try !database.query("""
            INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.holder = excluded.holder OR leases.expires_at <= ? RETURNING name
            """, [.text(name), .text(holder), .real(time + duration.seconds), .real(time)]).isEmpty
    }

    public func release(_ name: String, holder: String) async throws {
        try database.query("DELETE FROM leases WHERE name = ? AND holder = ?", [.text(name), .text(holder)])
    }
}
