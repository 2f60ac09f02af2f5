import Foundation
import Hummingbird
import QuarryCore

/// `POST /api/v1/api-keys`: `{"name", "role", "ttl_days"?}`.
struct NewAPIKeyBody: Decodable {
    let name: String
    let role: Role
    let ttlDays: Int?

    enum CodingKeys: String, CodingKey, CaseIterable { case name, role, ttlDays = "ttl_days" }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        guard let role = try container.decodeChoice(Role.self, forKey: .role) else { throw RequestError.malformed("/role is required", field: "/role") }
        self.role = role
        ttlDays = try container.decodeOptional(Int.self, forKey: .ttlDays)
    }
}

/// An API key as clients see it: never its secret, but for the one answer that made it (`key`).
struct APIKeyBody: ResponseEncodable {
    let id: String
    let name: String
    let role: String
    let createdAt: Date
    let expiresAt: Date?
    let key: String?

    enum CodingKeys: String, CodingKey { case id, name, role, key, createdAt = "created_at", expiresAt = "expires_at" }

    init(_ apiKey: APIKey, text: String? = nil) {
        id = apiKey.id
        name = apiKey.name
        role = apiKey.role.rawValue
        createdAt = apiKey.createdAt
        expiresAt = apiKey.expiresAt
        key = text
    }
}

struct APIKeyList: ResponseEncodable {
    let apiKeys: [APIKeyBody]
    let limit: Int
    let offset: Int

    enum CodingKeys: String, CodingKey { case apiKeys = "api_keys", limit, offset }
}

/// `POST /api/v1/auth/token`: `{"api_key"}`.
struct TokenExchangeBody: Decodable {
    let apiKey: String

    enum CodingKeys: String, CodingKey, CaseIterable { case apiKey = "api_key" }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        apiKey = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .apiKey)
    }
}

struct ExchangedTokenBody: ResponseEncodable {
    let token: String
    let tenant: String
    let role: String
    let expiresIn: Int64
    let tokenType = "Bearer"

    enum CodingKeys: String, CodingKey { case token, tenant, role, expiresIn = "expires_in", tokenType = "token_type" }
}
