import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id, logs with it and returns it as `X-Request-Id`.
/// An id set by the proxy in front (nginx's `$request_id`) is kept, so one id follows a request end to end.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id: String
        if let incoming = request.headers[.requestID], Self.isAcceptable(incoming) {
            id = incoming
            context.logger[metadataKey: "hb.request.id"] = .string(incoming)
        } else {
            id = context.id
        }
        var response = try await next(request, context)
        response.headers[.requestID] = id
        return response
    }

    /// Up to 128 characters of `A–Z a–z 0–9 - _ .`: nothing that could forge a log line.
    static func isAcceptable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ".")
        }
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
}
