import Foundation
import Hummingbird
import QuarryCore

/// API keys: an admin makes one for a program or a person of the tenant (`POST /api/v1/api-keys`,
/// the key shown once), lists and revokes them; the holder exchanges the key for a short-lived
/// token at `POST /api/v1/auth/token`, which takes no token itself: the key is the credential.
struct APIKeyRoutes {
    let keys: APIKeys
    let authority: TokenAuthority
    /// The longest a token from a key lives; never past the key's own expiry.
    static let tokenLifetime: TimeInterval = 3600

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.post("/api-keys") { request, context in
            let principal = try context.require(.admin)
            let body = try await request.decodeJSON(NewAPIKeyBody.self, limit: 16 * 1024)
            let made = try await keys.create(name: body.name, role: body.role, tenant: principal.tenant, lifetime: body.ttlDays.map { Double($0) * 86_400 })
            return EditedResponse(status: .created, response: APIKeyBody(made.key, text: made.text))
        }
        api.get("/api-keys") { request, context in
            let principal = try context.require(.admin)
            let page = try Paging(request, defaultLimit: 20, maximumLimit: 100)
            return APIKeyList(apiKeys: try await keys.list(tenant: principal.tenant, limit: page.limit, offset: page.offset).map { APIKeyBody($0) },
                              limit: page.limit, offset: page.offset)
        }
        api.delete("/api-keys/{id}") { _, context in
            let principal = try context.require(.admin)
            try await keys.revoke(context.parameters.get("id") ?? "", tenant: principal.tenant)
            return Response(status: .noContent)
        }
    }

    /// The exchange, outside the token check. Every refusal is the same 401, whatever was wrong.
    func registerPublic(on router: Router<QuarryRequestContext>) {
        router.post("/api/v1/auth/token") { request, _ in
            let body = try await request.decodeJSON(TokenExchangeBody.self, limit: 4 * 1024)
            guard let key = try await keys.verify(body.apiKey) else { throw APIError.unauthorized("unknown, expired or revoked API key") }
            let lifetime = min(Self.tokenLifetime, key.expiresAt.map { $0.timeIntervalSinceNow.rounded(.down) } ?? Self.tokenLifetime)
            let token = try await authority.issue(subject: "api-key:\(key.id)", tenant: key.tenant, roles: [key.role], lifetime: .seconds(Int64(max(1, lifetime))))
            return ExchangedTokenBody(token: token, tenant: key.tenant, role: key.role.rawValue, expiresIn: Int64(max(1, lifetime)))
        }
    }
}
