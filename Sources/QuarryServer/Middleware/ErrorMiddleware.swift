import Hummingbird
import Logging
import QuarryCore

/// Turns every error into an ``APIError`` response: Hummingbird's own errors (404, 413, bad JSON)
/// keep their status with our body shape; anything else is logged and answered 500 without details.
/// It returns the response rather than throwing, so the middleware outside it (metrics, request id)
/// sees every answer with its real status.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.apiError(for: error, context: context).response(from: request, context: context)
        }
    }

    static func apiError(for error: any Error, context: Context) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as BackendUnavailable:
            return .backendUnavailable(error)
        case let error as HTTPError:
            return APIError(error.status, code: code(for: error.status), message: error.body ?? error.status.reasonPhrase)
        case let error as any HTTPResponseError:
            return APIError(error.status, code: code(for: error.status), message: error.status.reasonPhrase)
        default:
            context.logger.error("unhandled error", metadata: ["error": .string(String(reflecting: error))])
            return APIError(.internalServerError, code: "internal", message: "internal error; see the server log for this request id")
        }
    }

    /// A stable code word for statuses that reach here without one.
    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        case 422: "unprocessable"
        case 429: "too_many_requests"
        case 503: "unavailable"
        default: status.code < 500 ? "client_error" : "internal"
        }
    }
}
