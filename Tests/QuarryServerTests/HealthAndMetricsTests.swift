import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QuarryServer
import QuarryTestSupport
import Testing

@Suite("Public routes: health, readiness, metrics, errors")
struct HealthAndMetricsTests {
    @Test("/health answers without a token")
    func health() async throws {
        let app = Fixture.application(authority: try await Fixture.authority())
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { (response) throws in
                #expect(response.status == .ok)
                #expect(try Fixture.json(response)["status"] as? String == "ok")
            }
        }
    }

    @Test("/ready reports each back end and answers 503 when one is down")
    func readiness() async throws {
        let authority = try await Fixture.authority()
        let healthy = Fixture.application(authority: authority, checks: [
            StaticCheck(name: "vector_store", ready: true), StaticCheck(name: "queue", ready: true),
        ])
        try await healthy.test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { (response) throws in
                #expect(response.status == .ok)
                let body = try Fixture.json(response)
                #expect(body["status"] as? String == "ready")
                let backends = try #require(body["backends"] as? [String: [String: Any]])
                #expect(Set(backends.keys) == ["vector_store", "queue"])
            }
        }
        let degraded = Fixture.application(authority: authority, checks: [
            StaticCheck(name: "vector_store", ready: false), StaticCheck(name: "queue", ready: true),
        ])
        try await degraded.test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { (response) throws in
                #expect(response.status == .serviceUnavailable)
                let body = try Fixture.json(response)
                #expect(body["status"] as? String == "not_ready")
                let store = try #require((body["backends"] as? [String: [String: Any]])?["vector_store"])
                #expect(store["ready"] as? Bool == false)
                #expect(store["detail"] as? String == "server unreachable")
            }
        }
    }

    @Test("/metrics shows request counters and latency histograms by route")
    func metrics() async throws {
        let app = Fixture.application(authority: try await Fixture.authority())
        try await app.test(.router) { client in
            for _ in 0..<3 { try await client.execute(uri: "/health", method: .get) }
            try await client.execute(uri: "/api/v1/me", method: .get)
            try await client.execute(uri: "/metrics", method: .get) { (response) throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                let counter = text.split(separator: "\n").first {
                    $0.hasPrefix("hb_requests{") && $0.contains(#"http_route="/health""#)
                }
                let count = try #require(counter.flatMap { Int($0.split(separator: " ").last ?? "") })
                #expect(count >= 3)
                #expect(text.contains("# TYPE http_server_request_duration histogram"))
                #expect(text.contains("http_server_request_duration_bucket{"))
                #expect(!text.contains("hb.requests"), "metric names must be Prometheus-safe")
                // Refused requests are timed under their real status.
                let refused = text.split(separator: "\n").first {
                    $0.hasPrefix("http_server_request_duration_count{") && $0.contains(#"http_route="/api/v1/me""#)
                        && $0.contains(#"http_response_status_code="401""#)
                }
                #expect(refused.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0 >= 1)
            }
        }
    }

    @Test("unknown routes answer 404 in Quarry's error shape")
    func notFound() async throws {
        let app = Fixture.application(authority: try await Fixture.authority())
        try await app.test(.router) { client in
            try await client.execute(uri: "/no/such/route", method: .get) { (response) throws in
                #expect(response.status == .notFound)
                #expect(try Fixture.errorBody(response).code == "not_found")
            }
        }
    }

    @Test("every response carries a request id; a proxy's id is kept, a hostile one replaced")
    func requestIDs() async throws {
        let app = Fixture.application(authority: try await Fixture.authority())
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { (response) throws in
                #expect(response.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
            }
            try await client.execute(uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "abc-123"]) { (response) throws in
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "abc-123")
            }
            try await client.execute(uri: "/api/v1/me", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "abc-456"]) { (response) throws in
                #expect(response.status == .unauthorized)
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "abc-456")
            }
            try await client.execute(uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "evil\"id level=error"]) { (response) throws in
                let id = response.headers[HTTPField.Name("X-Request-Id")!]
                #expect(id != nil && id != "evil\"id level=error")
            }
        }
    }
}
