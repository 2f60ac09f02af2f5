import Crypto
import Foundation

/// A long-lived key a program or a person exchanges for short-lived tokens
/// (`POST /api/v1/auth/token`), for one tenant and role. Shown once when made: Quarry keeps only
/// the SHA-256 digest of its secret, so a stolen database holds no usable key.
public struct APIKey: Sendable, Codable, Equatable {
    public var id: String
    public var tenant: String
    public var name: String
    public var role: Role
    /// Hex SHA-256 of the secret part.
    public var digest: String
    public var createdAt: Date
    /// Nil: until revoked.
    public var expiresAt: Date?

    public init(id: String, tenant: String, name: String, role: Role, digest: String, createdAt: Date, expiresAt: Date?) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.role = role
        self.digest = digest
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Makes, lists, revokes and checks API keys. A key reads `qk_<id>_<secret>`: 16 random bytes of
/// id and 32 of secret, both hex; only the secret's digest is stored.
public struct APIKeys: Sendable {
    public let store: any APIKeyStore
    let now: @Sendable () -> Date

    public init(store: any APIKeyStore, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.now = now
    }

    /// The new key, and its text (shown once).
    public func create(name: String, role: Role, tenant: String, lifetime: TimeInterval?) async throws -> (key: APIKey, text: String) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 200 else { throw InvalidField("/name", "name must be 1 to 200 characters") }
        if let lifetime, !(lifetime > 0 && lifetime <= 10 * 365 * 86_400) {
            throw InvalidField("/ttl_days", "ttl_days must be between 1 and 3650, or left out for a key that lasts until revoked")
        }
        let id = Hex.encode(Self.random(16)), secret = Hex.encode(Self.random(32))
        let created = now()
        let key = APIKey(id: id, tenant: tenant, name: trimmed, role: role, digest: Self.digest(secret), createdAt: created,
                         expiresAt: lifetime.map { created.addingTimeInterval($0) })
        try await store.createAPIKey(key)
        return (key, "qk_\(id)_\(secret)")
    }

    /// The key `text` names, when its secret matches and it has not expired; nil otherwise, with
    /// no word on which (a caller learns nothing about ids).
    public func verify(_ text: String) async throws -> APIKey? {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "qk", parts[1].count == 32, parts[2].count == 64,
              parts[1].allSatisfy(\.isHexDigit), parts[2].allSatisfy(\.isHexDigit) else { return nil }
        guard let key = try await store.apiKey(id: String(parts[1])) else { return nil }
        guard Self.constantTimeEqual(Self.digest(String(parts[2])), key.digest) else { return nil }
        if let expiresAt = key.expiresAt, expiresAt <= now() { return nil }
        return key
    }

    public func list(tenant: String, limit: Int, offset: Int) async throws -> [APIKey] {
        try await store.apiKeys(tenant: tenant, limit: limit, offset: offset)
    }

    public func revoke(_ id: String, tenant: String) async throws {
        guard try await store.deleteAPIKey(id, tenant: tenant) else { throw NotFound("API key", id: id) }
    }

    static func digest(_ secret: String) -> String { Hex.encode(SHA256.hash(data: Data(secret.utf8))) }

    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
