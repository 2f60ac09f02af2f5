import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryServer
import QuarryTestSupport
import Testing

/// `nginx/quarry.conf` in front of a live Quarry server, with Debian's real nginx on loopback and a
/// self-signed certificate; requests go over HTTPS with curl.
@Suite("nginx reverse proxy", .serialized)
struct NginxTests {
    @Test("serves /health and an authenticated /api/v1 route over HTTPS, refuses a missing token, redirects HTTP")
    func throughNginx() async throws {
        let authority = try await Fixture.authority()
        let token = try await Fixture.token(authority, tenant: "acme", role: .viewer)
        try await Fixture.application(authority: authority).test(.live) { client in
            let upstream = try #require(client.port)
            let proxy = try await offPool { try NginxProxy(upstreamPort: upstream) }
            defer { proxy.stop() }

            let health = try await offPool { try proxy.curl("/health") }
            #expect(health.status == 200)
            #expect(health.body.contains(#""status":"ok""#))

            let me = try await offPool { try proxy.curl("/api/v1/me", headers: ["Authorization: Bearer \(token)"]) }
            #expect(me.status == 200)
            #expect(me.body.contains(#""tenant":"acme""#))
            #expect(me.headers.contains { $0.lowercased().hasPrefix("strict-transport-security:") })
            // nginx's $request_id reaches Quarry and comes back.
            #expect(me.headers.contains { $0.lowercased().hasPrefix("x-request-id:") })

            let anonymous = try await offPool { try proxy.curl("/api/v1/me") }
            #expect(anonymous.status == 401)

            let metrics = try await offPool { try proxy.curl("/metrics") }
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("hb_requests"))

            let redirect = try await offPool { try proxy.curlPlain("/health") }
            #expect(redirect.status == 301)

            // Bodies over client_max_body_size are refused by nginx with 413.
            let huge = try await offPool {
                try proxy.curl("/api/v1/me", headers: ["Authorization: Bearer \(token)"], uploadBytes: 101 * 1024 * 1024)
            }
            #expect(huge.status == 413)
        }
    }
}

extension NginxTests {
    @Test("passes the web UI's page and hashed assets on with their policy and caching intact")
    func webUIThroughNginx() async throws {
        let ui = try WebUI.load(from: try WebUITests.builtUI())
        let dependencies = ServerDependencies(authority: try await Fixture.authority(), metrics: Fixture.metrics, readinessChecks: [], webUI: ui)
        try await Application(router: makeRouter(dependencies)).test(.live) { client in
            let proxy = try await offPool { try NginxProxy(upstreamPort: try #require(client.port)) }
            defer { proxy.stop() }
            let page = try await offPool { try proxy.curl("/") }
            #expect(page.status == 200)
            #expect(page.headers.contains { $0.lowercased().hasPrefix("content-security-policy: default-src 'none'") })
            #expect(page.headers.contains { $0.lowercased().hasPrefix("strict-transport-security:") })
            let asset = try await offPool { try proxy.curl("/assets/app-0123456789ab.js") }
            #expect(asset.status == 200)
            #expect(asset.headers.contains { $0.lowercased() == "cache-control: public, max-age=31536000, immutable" })
            #expect(asset.body == "console.log('quarry');")
        }
    }
}
