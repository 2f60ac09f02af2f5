import HTTPTypes
import Hummingbird
import Tracing

/// A server span per request, continuing the caller's trace (W3C `traceparent` from a client or
/// nginx), added only when tracing is on. The span is named by the route's template
/// (`/api/v1/documents/{id}`), never the raw path, which can hold a webhook's secret; it ends
/// when the body is written, so a stream's span lasts as long as the stream.
struct TraceMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &parent, using: HeaderExtractor())
        let span = startSpan("\(request.method.rawValue) route not found", context: parent, ofKind: .server)
        span.attributes["http.request.method"] = request.method.rawValue
        do {
            var response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
            name(span, request, context)
            span.attributes["http.response.status_code"] = Int(response.status.code)
            if response.status.code >= 500 { span.setStatus(SpanStatus(code: .error)) }
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
                defer { span.end() }
                let whole = body
                try await whole.write(writer)
            }
            return response
        } catch {
            name(span, request, context)
            span.recordError(error)
            span.end()
            throw error
        }
    }

    private func name(_ span: any Span, _ request: Request, _ context: Context) {
        guard let route = context.endpointPath else { return }
        span.operationName = "\(request.method.rawValue) \(route)"
        span.attributes["http.route"] = route
    }

    struct HeaderExtractor: Extractor {
        func extract(key: String, from headers: HTTPFields) -> String? {
            HTTPField.Name(key).flatMap { headers[$0] }
        }
    }
}
