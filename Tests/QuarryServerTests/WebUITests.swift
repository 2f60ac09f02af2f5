import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QuarryServer
import QuarryTestSupport
import Testing

/// The built web UI as `quarry serve` hands it out: the page under a strict policy and never
/// cached stale, hashed assets cached for a year, gzip to those who take it.
@Suite("the web UI's files")
struct WebUITests {
    /// A UI folder as `scripts/build-ui` lays it out.
    static func builtUI() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ui-\(UUID().uuidString)")
        let assets = directory.appendingPathComponent("assets")
        try FileManager.default.createDirectory(at: assets, withIntermediateDirectories: true)
        try Data("<!doctype html><script defer src=\"/assets/app-0123456789ab.js\"></script>".utf8).write(to: directory.appendingPathComponent("index.html"))
        let script = Data("console.log('quarry');".utf8)
        try script.write(to: assets.appendingPathComponent("app-0123456789ab.js"))
        // Not a real gzip: the test tells which of the two files was sent.
        try Data("GZIPPED".utf8).write(to: assets.appendingPathComponent("app-0123456789ab.js.gz"))
        try Data("body{}".utf8).write(to: assets.appendingPathComponent("app-0123456789ab.css"))
        return directory
    }

    static func application(_ ui: WebUI?) async throws -> some ApplicationProtocol {
        let dependencies = ServerDependencies(authority: try await Fixture.authority(), metrics: Fixture.metrics, readinessChecks: [], webUI: ui)
        return Application(router: makeRouter(dependencies))
    }

    @Test("the page: no token needed, a policy that allows only Quarry's own files, revalidated each time")
    func page() async throws {
        let ui = try WebUI.load(from: try Self.builtUI())
        try await Self.application(ui).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[.cacheControl] == "no-cache")
                let policy = try #require(response.headers[HTTPField.Name("Content-Security-Policy")!])
                #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
                #expect(!policy.contains("unsafe"))
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(String(buffer: response.body).contains("/assets/app-0123456789ab.js"))
            }
        }
    }

    @Test("a hashed asset: kept a year, gzip only to a client that accepts it, an unknown one 404 in the API's shape")
    func assets() async throws {
        let ui = try WebUI.load(from: try Self.builtUI())
        try await Self.application(ui).test(.router) { client in
            try await client.execute(uri: "/assets/app-0123456789ab.js", method: .get, headers: [.acceptEncoding: "gzip, deflate"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(response.headers[.contentEncoding] == "gzip")
                #expect(response.headers[.contentType] == "text/javascript; charset=utf-8")
                #expect(String(buffer: response.body) == "GZIPPED")
            }
            try await client.execute(uri: "/assets/app-0123456789ab.js", method: .get) { response in
                #expect(response.headers[.contentEncoding] == nil)
                #expect(String(buffer: response.body) == "console.log('quarry');")
            }
            try await client.execute(uri: "/assets/app-0123456789ab.css", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.headers[.contentEncoding] == nil)  // no .gz beside it: sent as it is
                #expect(response.headers[.contentType] == "text/css; charset=utf-8")
            }
            for uri in ["/assets/app-ffffffffffff.js", "/assets/..%2Findex.html", "/assets/app-0123456789ab.js.gz"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(String(buffer: response.body).contains("\"not_found\""))
                }
            }
        }
    }

    @Test("without a built UI, / says how to build one and the API runs as before")
    func unbuilt() async throws {
        try await Self.application(nil).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("build-ui"))
            }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("a folder without index.html is refused when loaded, naming the folder and the fix")
    func notBuilt() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("ui-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect { try WebUI.load(from: empty) } throws: { error in
            "\(error)".contains(empty.path) && "\(error)".contains("scripts/build-ui")
        }
    }
}
