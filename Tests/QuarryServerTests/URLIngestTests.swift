import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryEngine
import QuarryHTTP
import QuarryServer
import QuarryTestSupport
import Testing

/// `POST /api/v1/documents` with JSON `{"url"}`: fetched from a live origin server on loopback
/// through the SSRF guard — refused by default, fetched when private addresses are allowed —
/// with redirects re-checked, a size cap and the type from `Content-Type`.
@Suite("documents by URL")
struct URLIngestTests {
    static let page = "<html><head><title>Comets</title></head><body><p>Comet tails point away from the Sun.</p></body></html>"

    /// The origin: a page, a text file without an extension, redirects good and bad, a big body.
    static func origin() -> some ApplicationProtocol {
        let router = Router()
        @Sendable func answer(_ body: String, type: String) -> Response {
            Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        @Sendable func redirect(_ location: String) -> Response { Response(status: .found, headers: [.location: location]) }
        router.get("/comets.html") { _, _ in answer(page, type: "text/html; charset=utf-8") }
        router.get("/notes") { _, _ in answer("Field notes: the aurora was green over the fjord.", type: "text/plain") }
        router.get("/hop") { _, _ in redirect("/comets.html") }
        router.get("/loop") { _, _ in redirect("/loop") }
        router.get("/escape") { _, _ in redirect("file:///etc/passwd") }
        router.get("/big") { _, _ in answer(String(repeating: "words ", count: 2000), type: "text/plain") }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func submit(_ client: some TestClientProtocol, _ token: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/documents", method: .post, headers: DocumentAndQueryAPITests.headers(token, json: true),
                                 body: ByteBuffer(string: body))
    }

    static func error(_ response: TestResponse) throws -> (code: String, message: String, field: String?) {
        try Fixture.errorBody(response)
    }

    @Test("by default loopback, link-local and non-http URLs are refused with a reason, before any connection")
    func refusedByDefault() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let engine = try DocumentAndQueryAPITests.engine(fetcher: URLFetcher(maximumBytes: 10_000_000))
        try await Self.origin().test(.live) { origin in
            let port = try #require(origin.port)
            try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
                for (url, reason) in [
                    ("http://127.0.0.1:\(port)/comets.html", "allow_private_urls"),
                    ("http://localhost:\(port)/comets.html", "allow_private_urls"),
                    ("http://169.254.169.254/latest/meta-data/", "link-local"),
                    ("http://[::1]:\(port)/comets.html", "loopback"),
                    ("file:///etc/passwd", "scheme 'file'"),
                    ("not a url", "not an absolute"),
                ] {
                    let response = try await Self.submit(client, editor, #"{"url": "\#(url)"}"#)
                    #expect(response.status == .unprocessableContent, "\(url)")
                    let error = try Self.error(response)
                    #expect(error.code == "url_refused" && error.message.contains(reason) && error.field == "/url", "\(url): \(error)")
                }
            }
        }
    }

    @Test("allowed: pages and redirects are fetched and indexed; bad redirects, big bodies and 404s are clear errors")
    func fetched() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let fetcher = URLFetcher(urlGuard: URLGuard(allowPrivate: true), maximumBytes: 4000)
        let engine = try DocumentAndQueryAPITests.engine(fetcher: fetcher)
        try await Self.origin().test(.live) { origin in
            let base = "http://127.0.0.1:\(try #require(origin.port))"
            try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
                let page = try await Self.submit(client, editor, #"{"url": "\#(base)/comets.html"}"#)
                #expect(page.status == .accepted)
                let document = try DocumentAndQueryAPITests.json(page.body)
                let source = try #require(document["source"] as? [String: Any])
                #expect(source["uri"] as? String == "\(base)/comets.html" && source["media_type"] as? String == "text/html", "\(source)")

                // Through a redirect: the same bytes, so the same document, already there.
                #expect(try await Self.submit(client, editor, #"{"url": "\#(base)/hop"}"#).status == .ok)

                // No extension and no markup: the Content-Type says it is text.
                let notes = try await Self.submit(client, editor, #"{"url": "\#(base)/notes"}"#)
                #expect(notes.status == .accepted)
                #expect((try DocumentAndQueryAPITests.json(notes.body)["source"] as? [String: Any])?["media_type"] as? String == "text/plain")

                #expect(try await engine.worker.runOne())
                #expect(try await engine.worker.runOne())
                try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: DocumentAndQueryAPITests.headers(editor, json: true),
                                         body: DocumentAndQueryAPITests.query("which way do comet tails point?")) { (response) throws in
                    let citations = try #require(try DocumentAndQueryAPITests.json(response.body)["citations"] as? [[String: Any]])
                    #expect(citations.first?["source"] as? String == "\(base)/comets.html")
                }

                for (path, status, code, fragment) in [
                    ("/escape", HTTPResponse.Status.unprocessableContent, "url_refused", "scheme 'file'"),
                    ("/loop", .badGateway, "fetch_failed", "more than 5 redirects"),
                    ("/big", .contentTooLarge, "too_large", "larger than"),
                    ("/missing", .badGateway, "fetch_failed", "404"),
                ] {
                    let response = try await Self.submit(client, editor, #"{"url": "\#(base)\#(path)"}"#)
                    #expect(response.status == status, "\(path)")
                    let error = try Self.error(response)
                    #expect(error.code == code && error.message.contains(fragment) && error.field == "/url", "\(path): \(error)")
                }
                let unknown = try await Self.submit(client, editor, #"{"url": "\#(base)/notes", "depth": 2}"#)
                let unknownError = try Self.error(unknown)
                #expect(unknown.status == .badRequest && unknownError.message.contains("unknown field /depth") && unknownError.field == "/depth")
                #expect(try await Self.submit(client, editor, "[1, 2]").status == .badRequest)
                #expect(try await Self.submit(client, editor, #"{"url": 7}"#).status == .badRequest)
            }
        }
    }
}
