import Foundation
import HTTPTypes
import Hummingbird

/// `GET /` (the UI's page) and `GET /assets/{name}`, public like any page: the UI holds no data of
/// its own and asks the API with the token the user signs in with.
struct WebUIRoutes {
    /// Nothing but Quarry's own files runs or loads; the API is the only place the page talks to.
    /// `blob:` for images and workers is pdf.js rendering a page; no inline script, no `eval`.
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "font-src 'self' data:",
        "connect-src 'self'", "worker-src 'self' blob:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    /// A hashed name never changes content, so a browser keeps it for a year without asking again.
    static let immutable = "public, max-age=31536000, immutable"

    let ui: WebUI?

    func register(on router: Router<QuarryRequestContext>) {
        router.get("/") { request, _ in
            guard let ui else {
                throw APIError(.notFound, code: "not_found", message: "the web UI is not built here: `make run` builds it (scripts/build-ui), or set ui_dir")
            }
            var headers = Self.pageHeaders
            headers[.cacheControl] = "no-cache"
            return Self.response(ui.index, headers: headers, request: request)
        }
        router.get("/assets/{name}") { request, context in
            guard let file = ui?.assets[context.parameters.get("name") ?? ""] else { throw APIError(.notFound, code: "not_found", message: "no such asset") }
            var headers = HTTPFields()
            headers[.cacheControl] = Self.immutable
            headers[SecurityHeaders.contentTypeOptions] = "nosniff"
            return Self.response(file, headers: headers, request: request)
        }
    }

    static let pageHeaders: HTTPFields = {
        var headers = HTTPFields()
        headers[SecurityHeaders.contentSecurityPolicy] = contentSecurityPolicy
        headers[SecurityHeaders.contentTypeOptions] = "nosniff"
        headers[SecurityHeaders.frameOptions] = "DENY"
        headers[SecurityHeaders.referrerPolicy] = "no-referrer"
        return headers
    }()

    private static func response(_ file: WebUI.File, headers: HTTPFields, request: Request) -> Response {
        var headers = headers
        headers[.contentType] = file.contentType
        headers[.vary] = "Accept-Encoding"
        let acceptsGzip = request.headers[values: .acceptEncoding].contains { $0.lowercased().contains("gzip") }
        if acceptsGzip, let gzipped = file.gzipped {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzipped))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.body))
    }
}
