import Foundation
import QuarryCore

/// Credentials (`credentials`): one document each, keyed by tenant and id, the credential as
/// JSON text with its secret fields sealed.
extension MongoDocumentStore: CredentialStore {
    static let credentials = "credentials"

    public func createCredential(_ credential: Credential) async throws -> Bool {
        try await prepare()
        let stored = try StoredCredential(credential)
        do {
            try await client.run { session in try session.insertMany(Self.credentials, [stored]) }
            return true
        } catch let error as MongoError where error.isDuplicateKey {
            return false
        }
    }

    public func credential(_ id: String, tenant: String) async throws -> Credential? {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.credentials, filter: ByKey(_id: key(id, tenant: tenant)), options: Limit(limit: 1)).first
                .map { try $0.decode(StoredCredential.self).decoded() }
        }
    }

    public func credentials(tenant: String, limit: Int, offset: Int) async throws -> [Credential] {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.credentials, filter: ByTenant(tenant: tenant), options: Self.newestFirst(limit: limit, offset: offset))
                .map { try $0.decode(StoredCredential.self).decoded() }
        }
    }

    public func replaceCredential(_ credential: Credential) async throws -> Bool {
        try await prepare()
        let stored = try StoredCredential(credential)
        return try await client.run { session in
            try session.replaceOne(Self.credentials, filter: ByKey(_id: stored._id), with: stored, upsert: false) > 0
        }
    }

    public func deleteCredential(_ id: String, tenant: String) async throws -> Bool {
        try await prepare()
        return try await client.run { session in try session.deleteMany(Self.credentials, filter: ByKey(_id: key(id, tenant: tenant))) > 0 }
    }

    public func allCredentials(after: (tenant: String, id: String)?, limit: Int) async throws -> [Credential] {
        try await prepare()
        // The key is tenant (hex) / id, so its order walks tenants, then ids.
        struct After: Encodable { let _id: Compare<String> }
        let start = after.map { key($0.id, tenant: $0.tenant) } ?? ""
        let options = RawJSON(json: Data(#"{"sort": {"_id": 1}, "limit": \#(max(limit, 0))}"#.utf8))
        return try await client.run { session in
            try session.find(Self.credentials, filter: After(_id: Compare(gt: start)), options: options).map { try $0.decode(StoredCredential.self).decoded() }
        }
    }
}

/// A credential as stored: what lists and sorts at the top level, the credential as JSON text.
struct StoredCredential: Codable, Sendable {
    let _id: String
    let id: String
    let tenant: String
    let createdAt: Date
    let credential: String

    init(_ credential: Credential) throws {
        _id = key(credential.id, tenant: credential.tenant)
        id = credential.id
        tenant = credential.tenant
        createdAt = credential.createdAt
        self.credential = String(decoding: try JSONEncoder().encode(credential), as: UTF8.self)
    }

    func decoded() throws -> Credential { try JSONDecoder().decode(Credential.self, from: Data(credential.utf8)) }
}
