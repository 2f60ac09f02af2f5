import Foundation
import Hummingbird

/// Errors on the OpenAI-compatible `/v1` routes in OpenAI's shape — `{"error": {"message", "type",
/// "param", "code"}}`, which OpenAI's clients read into their exceptions — and Quarry's `field`
/// beside them, so the one ``ErrorMap`` still decides every status and word.
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = ErrorMap.apiError(for: error, logger: context.logger)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            var headers = apiError.headers
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: apiError.status, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(OpenAIErrorBody(apiError)))))
        }
    }
}

/// An ``APIError`` as OpenAI writes errors: `param` is the field's name (`messages`, `model`), `type`
/// OpenAI's class of error for the status.
struct OpenAIErrorBody: Encodable {
    struct Detail: Encodable {
        let message: String
        let type: String
        let param: String?
        let code: String
        let field: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(message, forKey: .message)
            try container.encode(type, forKey: .type)
            try container.encode(param, forKey: .param)  // null, not absent, as OpenAI sends it
            try container.encode(code, forKey: .code)
            try container.encode(field, forKey: .field)
        }

        enum CodingKeys: String, CodingKey { case message, type, param, code, field }
    }

    let error: Detail

    init(_ error: APIError) {
        let type = switch error.status.code {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 500...: "server_error"
        default: "invalid_request_error"
        }
        self.error = Detail(message: error.message, type: type, param: error.parameter, code: error.code, field: error.field)
    }
}
