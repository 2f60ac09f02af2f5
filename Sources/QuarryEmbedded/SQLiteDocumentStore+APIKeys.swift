import Foundation
import QuarryCore

/// API keys (`api_keys`): one row each, the key's record (its secret's digest, never the secret)
/// as JSON; the id is unique across tenants.
extension SQLiteDocumentStore: APIKeyStore {
    static let apiKeySchema = """
        CREATE TABLE IF NOT EXISTS api_keys (
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, created_at REAL NOT NULL, key TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS api_keys_by_tenant ON api_keys (tenant, created_at);
        """

    public func createAPIKey(_ key: APIKey) async throws {
        let json = try Self.text(key)
        try await database.write { transaction in
            _ = try transaction.query("INSERT INTO api_keys (id, tenant, created_at, key) VALUES (?, ?, ?, ?)",
                                    [.text(key.id), .text(key.tenant), .real(key.createdAt.timeIntervalSince1970), .text(json)])
        }
    }

    public func apiKey(id: String) async throws -> APIKey? {
        try database.query("SELECT key FROM api_keys WHERE id = ?", [.text(id)]).first.map { try Self.decode(APIKey.self, $0) }
    }

    public func apiKeys(tenant: String, limit: Int, offset: Int) async throws -> [APIKey] {
        try database.query("SELECT key FROM api_keys WHERE tenant = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                           [.text(tenant), .integer(Int64(limit)), .integer(Int64(offset))]).map { try Self.decode(APIKey.self, $0) }
    }

    public func deleteAPIKey(_ id: String, tenant: String) async throws -> Bool {
        try await database.write { transaction in
            try !transaction.query("DELETE FROM api_keys WHERE tenant = ? AND id = ? RETURNING id", [.text(tenant), .text(id)]).isEmpty
        }
    }
}
