import Foundation
import QuarryCore

/// Credentials (`credentials`): one row each, the credential as JSON with its secret fields
/// sealed, so the file holds no secret in the clear.
extension SQLiteDocumentStore: CredentialStore {
    static let credentialSchema = """
        CREATE TABLE IF NOT EXISTS credentials (
            tenant TEXT NOT NULL, id TEXT NOT NULL, created_at REAL NOT NULL, credential TEXT NOT NULL, PRIMARY KEY (tenant, id));
        CREATE INDEX IF NOT EXISTS credentials_by_age ON credentials (tenant, created_at);
        """

    public func createCredential(_ credential: Credential) async throws -> Bool {
        let json = try Self.text(credential)
        return try await database.write { transaction in
            try !transaction.query("INSERT INTO credentials (tenant, id, created_at, credential) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                                   [.text(credential.tenant), .text(credential.id), .real(credential.createdAt.timeIntervalSince1970), .text(json)]).isEmpty
        }
    }

    public func credential(_ id: String, tenant: String) async throws -> Credential? {
        try database.query("SELECT credential FROM credentials WHERE tenant = ? AND id = ?", [.text(tenant), .text(id)]).first
            .map { try Self.decode(Credential.self, $0) }
    }

    public func credentials(tenant: String, limit: Int, offset: Int) async throws -> [Credential] {
        try database.query("SELECT credential FROM credentials WHERE tenant = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                           [.text(tenant), .integer(Int64(limit)), .integer(Int64(offset))]).map { try Self.decode(Credential.self, $0) }
    }

    public func replaceCredential(_ credential: Credential) async throws -> Bool {
        let json = try Self.text(credential)
        return try await database.write { transaction in
            try !transaction.query("UPDATE credentials SET credential = ? WHERE tenant = ? AND id = ? RETURNING id",
                                   [.text(json), .text(credential.tenant), .text(credential.id)]).isEmpty
        }
    }

    public func deleteCredential(_ id: String, tenant: String) async throws -> Bool {
        try await database.write { transaction in
            try !transaction.query("DELETE FROM credentials WHERE tenant = ? AND id = ? RETURNING id", [.text(tenant), .text(id)]).isEmpty
        }
    }

    public func allCredentials(after: (tenant: String, id: String)?, limit: Int) async throws -> [Credential] {
        try database.query("SELECT credential FROM credentials WHERE (?1 IS NULL OR (tenant, id) > (?1, ?2)) ORDER BY tenant, id LIMIT ?3",
                           [after.map { .text($0.tenant) } ?? .null, after.map { .text($0.id) } ?? .null, .integer(Int64(limit))])
            .map { try Self.decode(Credential.self, $0) }
    }
}
