import Foundation
import Hummingbird
import HummingbirdTesting
import Metrics
import Prometheus
import QuarryCore
import QuarryServer
import QuarryTestSupport
import Testing

/// Shared fixtures: one metrics registry per test process (swift-metrics is bootstrapped once),
/// a known secret, and helpers to call the router.
enum Fixture {
    static let secret = "test-secret-that-is-long-enough-0123456789"

    static let metrics: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = prometheusSafeNames
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    static func authority(rsaPublicKeyPEM: String? = nil) async throws -> TokenAuthority {
        try await TokenAuthority(secret: secret, rsaPublicKeyPEM: rsaPublicKeyPEM)
    }

    static func application(
        authority: TokenAuthority, checks: [any ReadinessCheck] = [StaticCheck(name: "vector_store", ready: true)]
    ) -> some ApplicationProtocol {
        let dependencies = ServerDependencies(authority: authority, metrics: metrics, readinessChecks: checks)
        return Application(router: makeRouter(dependencies))
    }

    static func token(_ authority: TokenAuthority, tenant: String = "acme", role: Role = .viewer) async throws -> String {
        try await authority.issue(subject: "tester", tenant: tenant, roles: [role], lifetime: .seconds(600))
    }

    static func bearer(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)"]
    }

    /// The `error` object of a Quarry error body: exactly `code`, `message` and `field` (null when no field is at fault),
    /// with OpenAI's `type` and `param` on `/v1`.
    static func errorBody(_ response: TestResponse) throws -> (code: String, message: String, field: String?) {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        #expect(Set(object.keys) == ["error"])
        let error = try #require(object["error"] as? [String: Any])
        // Quarry's shape; on the OpenAI-compatible /v1 routes, OpenAI's `type` and `param` beside it.
        #expect(Set(error.keys) == ["code", "message", "field"] || Set(error.keys) == ["code", "message", "field", "type", "param"], "\(error)")
        return (try #require(error["code"] as? String), try #require(error["message"] as? String), error["field"] as? String)
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }
}

struct StaticCheck: ReadinessCheck {
    let name: String
    let ready: Bool

    func check() async -> ReadinessReport {
        ReadinessReport(kind: "test", ready: ready, detail: ready ? "fine" : "server unreachable")
    }
}

