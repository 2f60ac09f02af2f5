import Foundation
import QuarryCore

/// The effect ledger (`effects`): one row per connector send, written in its own transaction
/// before the send and again after it, so the intent is on disk before anything leaves.
extension SQLiteDocumentStore: EffectLedger {
    static let effectSchema = """
        CREATE TABLE IF NOT EXISTS effects (
            tenant TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL, at REAL NOT NULL, answer TEXT, PRIMARY KEY (tenant, key));
        """

    public func intend(_ key: String, tenant: String, at date: Date) async throws -> Effect? {
        try await database.write { transaction in
            let inserted = try transaction.query("INSERT INTO effects (tenant, key, state, at) VALUES (?, ?, 'intended', ?) ON CONFLICT DO NOTHING RETURNING key",
                                                 [.text(tenant), .text(key), .real(date.timeIntervalSince1970)])
            guard inserted.isEmpty else { return nil }
            return try transaction.query("SELECT state, at, answer FROM effects WHERE tenant = ? AND key = ?", [.text(tenant), .text(key)]).first
                .map(Self.effect)
        }
    }

    public func complete(_ key: String, tenant: String, answer: JSONValue, at date: Date) async throws {
        let text = String(decoding: try JSONEncoder().encode(answer), as: UTF8.self)
        try await database.write { transaction in
            _ = try transaction.query("""
                INSERT INTO effects (tenant, key, state, at, answer) VALUES (?, ?, 'completed', ?, ?)
                ON CONFLICT (tenant, key) DO UPDATE SET state = 'completed', at = excluded.at, answer = excluded.answer
                """, [.text(tenant), .text(key), .real(date.timeIntervalSince1970), .text(text)])
        }
    }

    public func forget(_ key: String, tenant: String) async throws {
        try await database.write { transaction in
            _ = try transaction.query("DELETE FROM effects WHERE tenant = ? AND key = ?", [.text(tenant), .text(key)])
        }
    }

    static func effect(_ row: [SQLiteDatabase.Value]) throws -> Effect {
        let state = Effect.State(rawValue: row[0].text ?? "") ?? .intended
        let answer = try row[2].text.map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        return Effect(state: state, at: Date(timeIntervalSince1970: row[1].real ?? 0), answer: answer)
    }
}
