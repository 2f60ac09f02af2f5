import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryServer
import QuarryTestSupport
import Testing

/// `/api/v1/openapi.json` is kept true: its paths and methods are exactly the router's, and it is
/// valid OpenAPI 3.1 by an independent validator.
@Suite("OpenAPI document")
struct OpenAPITests {
    static func spec() async throws -> [String: Any] {
        let authority = try await Fixture.authority()
        let body = try await DocumentAndQueryAPITests.application(authority, try DocumentAndQueryAPITests.engine()).test(.router) { client in
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { (response) throws in
                #expect(response.status == .ok, "served without a token")
                return Data(buffer: response.body)
            }
        }
        return try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
    }

    @Test("every route of the router is in the document, and nothing else but the web UI's pages")
    func matchesRouter() async throws {
        let spec = try await Self.spec()
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in
            operations.keys.filter { $0 != "parameters" }.map { "\($0.uppercased()) \(path)" }
        })
        let authority = try await Fixture.authority()
        let router = makeRouter(ServerDependencies(
            authority: authority, metrics: Fixture.metrics, readinessChecks: [],
            embedder: DocumentAndQueryAPITests.embedder, engine: try DocumentAndQueryAPITests.engine().dependencies
        ))
        let routed = Set(router.routes.map { route in
            // Hummingbird writes captures as ":id"; OpenAPI as "{id}".
            let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(route.method.rawValue) /\(path)"
        })
        // The web UI's files are pages for a browser, not API (Docs/UI.md).
        let pages: Set<String> = ["GET /", "GET /assets/{name}"]
        #expect(routed.isSuperset(of: pages))
        let api = routed.subtracting(pages)
        #expect(documented == api, "only documented: \(documented.subtracting(api)); only routed: \(api.subtracting(documented))")
    }

    @Test("every property of every body is snake_case")
    func snakeCase() async throws {
        var names: Set<String> = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if let properties = object["properties"] as? [String: Any] { names.formUnion(properties.keys) }
                object.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(try await Self.spec())
        #expect(names.count > 50, "the walk found the schemas")
        let wrong = names.filter { $0.range(of: "^[a-z][a-z0-9]*(_[a-z0-9]+)*$", options: .regularExpression) == nil }
        #expect(wrong.isEmpty, "not snake_case: \(wrong.sorted())")
    }

    @Test("it validates as OpenAPI 3.1")
    func validates() async throws {
        let data = try JSONSerialization.data(withJSONObject: try await Self.spec())
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(UUID().uuidString).json")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = "import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('valid')"
        #expect(try run(Venv.python, ["-c", script, file.path]).contains("valid"))
    }
}
