import Foundation
import Hummingbird
import QuarryCore

/// An error a client sees: a status and `{"error": {"code", "message"}}`. Every error that leaves
/// the server goes through this type (``ErrorMiddleware`` converts the others), so clients get
/// one shape and never a stack trace.
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// A stable, machine-readable word: `unauthorized`, `forbidden`, `not_found`, …
    public let code: String
    /// One sentence for a person.
    public let message: String
    /// Extra response headers (`WWW-Authenticate` for 401).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func unauthorized(_ message: String) -> APIError {
        var error = APIError(.unauthorized, code: "unauthorized", message: message)
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }

    public static func forbidden(_ message: String) -> APIError {
        APIError(.forbidden, code: "forbidden", message: message)
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, code: "bad_request", message: message)
    }

    /// A back end is down: worth retrying later, so 503 with `Retry-After`.
    public static func backendUnavailable(_ error: BackendUnavailable) -> APIError {
        var answer = APIError(.serviceUnavailable, code: "backend_unavailable", message: error.description)
        answer.headers[.retryAfter] = "5"
        return answer
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(ErrorBody(error: .init(code: code, message: message)))
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The JSON of every error response.
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        let code: String
        let message: String
    }

    let error: Detail
}
