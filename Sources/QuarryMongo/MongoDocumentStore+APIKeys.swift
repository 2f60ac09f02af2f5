import Foundation
import QuarryCore

/// API keys (`api_keys`): one document each, keyed by the key's id (unique across tenants), the
/// record (its secret's digest, never the secret) as JSON text.
extension MongoDocumentStore: APIKeyStore {
    static let apiKeys = "api_keys"

    public func createAPIKey(_ key: APIKey) async throws {
        try await prepare()
        let stored = try StoredAPIKey(key)
        try await client.run { session in try session.insertMany(Self.apiKeys, [stored]) }
    }

    public func apiKey(id: String) async throws -> APIKey? {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.apiKeys, filter: ByKey(_id: id), options: Limit(limit: 1)).first.map { try $0.decode(StoredAPIKey.self).decoded() }
        }
    }

    public func apiKeys(tenant: String, limit: Int, offset: Int) async throws -> [APIKey] {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.apiKeys, filter: ByTenant(tenant: tenant), options: Self.newestFirst(limit: limit, offset: offset))
                .map { try $0.decode(StoredAPIKey.self).decoded() }
        }
    }

    public func deleteAPIKey(_ id: String, tenant: String) async throws -> Bool {
        try await prepare()
        struct ByIdAndTenant: Encodable { let _id: String; let tenant: String }
        return try await client.run { session in try session.deleteMany(Self.apiKeys, filter: ByIdAndTenant(_id: id, tenant: tenant)) > 0 }
    }
}

/// An API key as stored: what finds and sorts it at the top level, the record as JSON text.
struct StoredAPIKey: Codable, Sendable {
    let _id: String
    let tenant: String
    let createdAt: Date
    let key: String

    init(_ key: APIKey) throws {
        _id = key.id
        tenant = key.tenant
        createdAt = key.createdAt
        self.key = String(decoding: try JSONEncoder().encode(key), as: UTF8.self)
    }

    func decoded() throws -> APIKey { try JSONDecoder().decode(APIKey.self, from: Data(key.utf8)) }
}
