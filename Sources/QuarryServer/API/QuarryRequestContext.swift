import Hummingbird
import QuarryCore

/// Per-request state: Hummingbird's core storage (logger with the request id, route parameters)
/// plus the caller, set by ``AuthMiddleware`` on `/api/v1` routes.
public struct QuarryRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?

    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
    }

    /// The caller, if one of its roles is at least `role`: 401 without a caller, 403 with too small a role.
    public func require(_ role: Role) throws -> Principal {
        guard let principal else { throw APIError.unauthorized("authentication required") }
        guard principal.has(role) else {
            throw APIError.forbidden("this call needs the \(role.rawValue) role")
        }
        return principal
    }
}
