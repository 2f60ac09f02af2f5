import Foundation
import Hummingbird
import QuarryCore

/// An error as a client sees it: a status and `{"error": {"code", "message", "field"}}`. Routes
/// throw domain errors; ``ErrorMap`` turns every error into one of these, in one place, so clients
/// get one shape and never a stack trace.
public struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    public let status: HTTPResponse.Status
    /// A stable, machine-readable word: `unauthorized`, `not_found`, `invalid_field`, …
    public let code: String
    /// One sentence for a person.
    public let message: String
    /// The request field at fault as a JSON pointer (RFC 6901), e.g. `/top_k`; nil when none is.
    public let field: String?
    /// The top-level request field at fault (`messages` of `/messages/0/content`), as OpenAI's
    /// `param` and MCP's argument name it.
    var parameter: String? { field.flatMap { $0.split(separator: "/").first.map(String.init) } }
    /// Extra response headers (`WWW-Authenticate` for 401, `Retry-After` for 503).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    public static func unauthorized(_ message: String) -> APIError {
        var error = APIError(.unauthorized, code: "unauthorized", message: message)
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }

    public static func forbidden(_ message: String) -> APIError {
        APIError(.forbidden, code: "forbidden", message: message)
    }

    /// Worth asking again later (a back end or a remote model is down): 503 with `Retry-After`.
    static func unavailable(code: String, message: String) -> APIError {
        var error = APIError(.serviceUnavailable, code: code, message: message)
        error.headers[.retryAfter] = "5"
        return error
    }

    var body: ErrorBody { ErrorBody(error: .init(code: code, message: message, field: field)) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}

/// The JSON of every error response, and of a stream's `error` event.
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        let code: String
        let message: String
        let field: String?

        /// `field` is always there, null when no field is at fault: one shape for every error.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(code, forKey: .code)
            try container.encode(message, forKey: .message)
            try container.encode(field, forKey: .field)
        }

        enum CodingKeys: String, CodingKey { case code, message, field }
    }

    let error: Detail
}
