import Foundation
import Hummingbird
import QuarryCore

/// `GET /api/v1/me` (who am I) and `POST /api/v1/tokens` (an admin mints a token for its own tenant).
struct IdentityRoutes {
    let authority: TokenAuthority
    /// The longest lifetime a token minted over the API may have.
    let maximumTokenLifetime: Duration

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.get("/me") { _, context in
            let principal = try context.require(.viewer)
            return MeBody(sub: principal.subject, tenant: principal.tenant, roles: principal.roles.sorted().map(\.rawValue))
        }
        api.post("/tokens") { request, context in
            let principal = try context.require(.admin)
            let body = try await request.decodeJSON(TokenRequest.self, limit: 16 * 1024)
            let subject = body.sub.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !subject.isEmpty, subject.count <= 256 else { throw InvalidField("/sub", "sub must be 1 to 256 characters") }
            let seconds = body.ttlSeconds ?? 3600
            guard seconds > 0, seconds <= maximumTokenLifetime.components.seconds else {
                throw InvalidField("/ttl_seconds", "ttl_seconds must be between 1 and \(maximumTokenLifetime.components.seconds)")
            }
            let token = try await authority.issue(
                subject: subject, tenant: principal.tenant, roles: [body.role], lifetime: .seconds(seconds)
            )
            return EditedResponse(status: .created, response: TokenBody(token: token, tenant: principal.tenant, expiresIn: seconds))
        }
    }

    struct MeBody: ResponseEncodable {
        let sub: String
        let tenant: String
        let roles: [String]
    }

    struct TokenRequest: Decodable {
        let sub: String
        let role: Role
        let ttlSeconds: Int64?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case sub, role
            case ttlSeconds = "ttl_seconds"
        }

        init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownFields(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            sub = try container.decode(String.self, forKey: .sub)
            guard let role = try container.decodeChoice(Role.self, forKey: .role) else {
                throw RequestError.malformed("/role is required", field: "/role")
            }
            self.role = role
            ttlSeconds = try container.decodeOptional(Int64.self, forKey: .ttlSeconds)
        }
    }

    struct TokenBody: ResponseEncodable {
        let token: String
        let tenant: String
        let expiresIn: Int64

        enum CodingKeys: String, CodingKey {
            case token, tenant
            case expiresIn = "expires_in"
        }
    }
}
