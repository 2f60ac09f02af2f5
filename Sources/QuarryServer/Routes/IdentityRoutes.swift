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
            let body = try await request.decode(as: TokenRequest.self, context: context)
            let subject = body.sub.trimmingCharacters(in: .whitespaces)
            guard !subject.isEmpty else { throw APIError.badRequest("sub must not be empty") }
            guard let role = Role(rawValue: body.role) else {
                throw APIError.badRequest("role must be one of: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let seconds = body.ttlSeconds ?? 3600
            guard seconds > 0, seconds <= maximumTokenLifetime.components.seconds else {
                throw APIError.badRequest("ttl_seconds must be between 1 and \(maximumTokenLifetime.components.seconds)")
            }
            let token = try await authority.issue(
                subject: subject, tenant: principal.tenant, roles: [role], lifetime: .seconds(seconds)
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
        let role: String
        let ttlSeconds: Int64?

        enum CodingKeys: String, CodingKey {
            case sub, role
            case ttlSeconds = "ttl_seconds"
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
