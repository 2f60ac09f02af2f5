import Hummingbird
import Logging

/// Requires a valid bearer token on every route below it and records the caller in the context.
/// Roles are checked by each route (``QuarryRequestContext/require(_:)``), since only the route knows its needs.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = QuarryRequestContext

    let authority: TokenAuthority

    public init(authority: TokenAuthority) {
        self.authority = authority
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        do {
            let principal = try await authority.verify(Self.bearerToken(in: request))
            context.principal = principal
            context.logger[metadataKey: "tenant"] = .string(principal.tenant)
            context.logger[metadataKey: "sub"] = .string(principal.subject)
        } catch {
            // The reason, never the token itself.
            context.logger.info("request refused", metadata: ["reason": .string(error.description)])
            throw APIError.unauthorized(error.description)
        }
        return try await next(request, context)
    }

    static func bearerToken(in request: Request) throws(TokenError) -> String {
        guard let header = request.headers[.authorization] else { throw .missing }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw .malformed("Authorization header is not 'Bearer <token>'")
        }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
