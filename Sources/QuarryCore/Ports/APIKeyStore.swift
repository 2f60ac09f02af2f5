import Foundation

/// Where API keys are kept (SQLite or MongoDB): each key's digest, never the key. Ids are random
/// and unique across tenants, so a key presented for exchange is found by its id alone.
public protocol APIKeyStore: Sendable {
    func createAPIKey(_ key: APIKey) async throws
    /// Any tenant's key with this id: only the exchange of a presented key reads this way.
    func apiKey(id: String) async throws -> APIKey?
    /// A page of the tenant's keys, newest first.
    func apiKeys(tenant: String, limit: Int, offset: Int) async throws -> [APIKey]
    func deleteAPIKey(_ id: String, tenant: String) async throws -> Bool
}
