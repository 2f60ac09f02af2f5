import Hummingbird
import Logging
import QuarryCore
import QuarryEngine
import QuarryWorkflow

/// The one place where errors become HTTP answers. Routes throw domain errors (the core's, the
/// engine's) and the server's own (``RequestError``, ``APIError`` for authentication); every
/// response and every stream's `error` event goes through ``apiError(for:logger:)``.
///
/// - a back end or a remote model unavailable → 503 with `Retry-After`;
/// - nothing of that id in the caller's tenant (another tenant's included) → 404;
/// - a body that does not read (not JSON, wrong type, unknown field) → 400, the field as a JSON pointer;
/// - a body that reads but asks for what cannot be done → 422, the field as a JSON pointer;
/// - a test action the provider refused or never answered → 502, its message;
/// - a body slower than its deadline (``ClientDeadlines``) → 408 (sent by the deadline itself);
/// - too large → 413; anything unforeseen → 500 without details, logged with the request id.
enum ErrorMap {
    static func apiError(for error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError: error
        case let error as RequestError: apiError(error)
        case let error as InvalidField: APIError(.unprocessableContent, code: "invalid_field", message: error.reason, field: error.field)
        case let error as NotFound: APIError(.notFound, code: "not_found", message: error.description)
        case let error as BackendUnavailable: APIError.unavailable(code: "backend_unavailable", message: error.description)
        case let error as QueryError: apiError(error)
        case let error as DocumentError: apiError(error)
        case let error as DocumentFetchError: apiError(error)
        case let error as IndexJobs.Refusal: apiError(error)
        case let error as IngestPipeline.PagesError: APIError(.unprocessableContent, code: "invalid_field", message: error.description, field: "/first_page")
        case let error as IndexJobs.AlreadyCompleted: APIError(.conflict, code: "already_completed", message: error.description)
        case let error as WorkflowExists: APIError(.conflict, code: "already_exists", message: error.description, field: "/id")
        case let error as VersionConflict: APIError(.conflict, code: "version_conflict", message: error.description, field: "/version")
        case let error as RunStateConflict: APIError(.conflict, code: "run_state_conflict", message: error.description)
        case let error as ClientTooSlow: APIError(.requestTimeout, code: "request_timeout", message: error.description)
        case let error as ActionFailed: APIError(.badGateway, code: "action_failed", message: error.message)
        case let error as HTTPError:
            APIError(error.status, code: code(for: error.status), message: error.body ?? error.status.reasonPhrase)
        case let error as any HTTPResponseError:
            APIError(error.status, code: code(for: error.status), message: error.status.reasonPhrase)
        default:
            unexpected(error, logger: logger)
        }
    }

    static func unexpected(_ error: any Error, logger: Logger) -> APIError {
        logger.error("unhandled error", metadata: ["error": .string(String(reflecting: error))])
        return APIError(.internalServerError, code: "internal", message: "internal error; see the server log for this request id")
    }

    static func apiError(_ error: RequestError) -> APIError {
        switch error {
        case .malformed(let reason, let field): APIError(.badRequest, code: "bad_request", message: reason, field: field)
        case .tooLarge(let reason): APIError(.contentTooLarge, code: "too_large", message: reason)
        case .unsupportedMediaType(let reason): APIError(.unsupportedMediaType, code: "unsupported_media_type", message: reason)
        }
    }

    static func apiError(_ error: QueryError) -> APIError {
        let invalid = { (field: String) in APIError(.unprocessableContent, code: "invalid_field", message: error.description, field: field) }
        return switch error {
        case .emptyQuery, .queryTooLong: invalid("/query")
        case .topK: invalid("/top_k")
        case .answerModeUnavailable: invalid("/answer")
        case .unknownDocuments, .tooManyDocuments: invalid("/document_ids")
        case .filters: invalid("/filters")
        case .modelFailed: APIError.unavailable(code: "llm_unavailable", message: error.description)
        }
    }

    static func apiError(_ error: DocumentError) -> APIError {
        switch error {
        case .empty, .unsupportedType:
            APIError(.unsupportedMediaType, code: "unsupported_media_type", message: error.description, field: "/file")
        case .encrypted, .wrongPassword, .malformed:
            APIError(.unprocessableContent, code: "unreadable_document", message: error.description, field: "/file")
        }
    }

    static func apiError(_ error: DocumentFetchError) -> APIError {
        switch error {
        case .refused: APIError(.unprocessableContent, code: "url_refused", message: error.description, field: "/url")
        case .tooLarge: APIError(.contentTooLarge, code: "too_large", message: error.description, field: "/url")
        case .failed: APIError(.badGateway, code: "fetch_failed", message: error.description, field: "/url")
        }
    }

    static func apiError(_ refusal: IndexJobs.Refusal) -> APIError {
        switch refusal {
        case .empty: APIError(.unprocessableContent, code: "invalid_field", message: refusal.description)
        case .pathsDisabled: APIError(.forbidden, code: "paths_disabled", message: refusal.description, field: "/paths")
        case .path(.outside, let index): APIError(.forbidden, code: "path_refused", message: refusal.description, field: "/paths/\(index)")
        case .path(.missing, let index): APIError(.notFound, code: "path_not_found", message: refusal.description, field: "/paths/\(index)")
        case .noDocuments(_, let index): APIError(.unprocessableContent, code: "invalid_field", message: refusal.description, field: "/paths/\(index)")
        case .url(_, let index): APIError(.unprocessableContent, code: "invalid_field", message: refusal.description, field: "/urls/\(index)")
        case .tooMany: APIError(.contentTooLarge, code: "too_many_items", message: refusal.description)
        }
    }

    /// A stable code word for statuses that reach here from Hummingbird without one.
    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 413: "too_large"
        case 415: "unsupported_media_type"
        case 422: "invalid_field"
        case 429: "too_many_requests"
        case 503: "unavailable"
        default: status.code < 500 ? "client_error" : "internal"
        }
    }
}
