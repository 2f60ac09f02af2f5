import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryEmbedded
import QuarryServer
import QuarryTestSupport
import Testing

/// API keys: made by an admin and shown once, exchanged without a token for an hour's token of
/// their tenant and role, refused alike when forged, revoked or expired, and scoped to their tenant.
@Suite("API keys")
struct APIKeyAPITests {
    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func exchange(_ client: some TestClientProtocol, _ key: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "application/json"],
                                 body: json(#"{"api_key": "\#(key)"}"#)) { response in
            (response.status, (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:])
        }
    }

    @Test("make, exchange, use, list without secrets, revoke: a revoked, forged or altered key is the same 401")
    func lifecycle() async throws {
        let authority = try await Fixture.authority()
        let admin = try await Fixture.token(authority, tenant: "acme", role: .admin)
        let engine = try DocumentAndQueryAPITests.engine()
        try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
            let headers = DocumentAndQueryAPITests.headers(admin, json: true)
            var id = "", key = ""
            try await client.execute(uri: "/api/v1/api-keys", method: .post, headers: headers, body: Self.json(#"{"name": "nightly indexer", "role": "editor"}"#)) { (response) throws in
                #expect(response.status == .created)
                let body = try Fixture.json(response)
                id = try #require(body["id"] as? String)
                key = try #require(body["key"] as? String)
                #expect(key.hasPrefix("qk_\(id)_") && key.count == 3 + 32 + 1 + 64)
                #expect(body["role"] as? String == "editor" && body["expires_at"] == nil || body["expires_at"] is NSNull)
            }
            let (status, token) = try await Self.exchange(client, key)
            #expect(status == .ok)
            #expect(token["tenant"] as? String == "acme" && token["role"] as? String == "editor" && token["expires_in"] as? Int == 3600)
            let issued = try #require(token["token"] as? String)
            try await client.execute(uri: "/api/v1/me", method: .get, headers: Fixture.bearer(issued)) { (response) throws in
                let me = try Fixture.json(response)
                #expect(me["tenant"] as? String == "acme" && me["roles"] as? [String] == ["editor"] && me["sub"] as? String == "api-key:\(id)")
            }
            try await client.execute(uri: "/api/v1/api-keys", method: .get, headers: headers) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("nightly indexer") && !text.contains(String(key.suffix(64))), "the list never holds the secret")
            }
            // Forged: a right id with another secret, a wrong shape, an id that is no key.
            let forged = String(key.dropLast()) + (key.last == "0" ? "1" : "0")
            for wrong in [forged, "qk_\(id)", "not a key", "qk_" + String(repeating: "a", count: 32) + "_" + String(repeating: "b", count: 64)] {
                let (status, body) = try await Self.exchange(client, wrong)
                #expect(status == .unauthorized, "\(wrong)")
                #expect((body["error"] as? [String: Any])?["message"] as? String == "unknown, expired or revoked API key")
            }
            try await client.execute(uri: "/api/v1/api-keys/\(id)", method: .delete, headers: headers) { #expect($0.status == .noContent) }
            #expect(try await Self.exchange(client, key).0 == .unauthorized, "revoked")
            try await client.execute(uri: "/api/v1/api-keys/\(id)", method: .delete, headers: headers) { #expect($0.status == .notFound) }
        }
    }

    @Test("another tenant's admin neither lists nor revokes the key; editors cannot make keys; a bad name or lifetime is 422")
    func tenancyAndRoles() async throws {
        let authority = try await Fixture.authority()
        let owner = try await Fixture.token(authority, tenant: "acme", role: .admin)
        let stranger = try await Fixture.token(authority, tenant: "globex", role: .admin)
        let editor = try await Fixture.token(authority, tenant: "acme", role: .editor)
        let engine = try DocumentAndQueryAPITests.engine()
        try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
            var id = ""
            try await client.execute(uri: "/api/v1/api-keys", method: .post, headers: DocumentAndQueryAPITests.headers(owner, json: true),
                                     body: Self.json(#"{"name": "ci", "role": "viewer", "ttl_days": 30}"#)) { (response) throws in
                id = try #require(try Fixture.json(response)["id"] as? String)
                #expect(try Fixture.json(response)["expires_at"] as? String != nil)
            }
            try await client.execute(uri: "/api/v1/api-keys", method: .get, headers: Fixture.bearer(stranger)) { response in
                #expect(String(buffer: response.body).contains(#""api_keys":[]"#))
            }
            try await client.execute(uri: "/api/v1/api-keys/\(id)", method: .delete, headers: Fixture.bearer(stranger)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/api-keys", method: .post, headers: DocumentAndQueryAPITests.headers(editor, json: true),
                                     body: Self.json(#"{"name": "x", "role": "viewer"}"#)) { #expect($0.status == .forbidden) }
            for (body, field) in [(#"{"name": " ", "role": "viewer"}"#, "/name"), (#"{"name": "x", "role": "viewer", "ttl_days": 0}"#, "/ttl_days")] {
                try await client.execute(uri: "/api/v1/api-keys", method: .post, headers: DocumentAndQueryAPITests.headers(owner, json: true), body: Self.json(body)) { (response) throws in
                    #expect(response.status == .unprocessableContent)
                    #expect(try Fixture.errorBody(response).field == field)
                }
            }
        }
    }

    @Test("a key past its lifetime is refused")
    func expiry() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteDocumentStore(database: SQLiteDatabase(path: directory.path + "/quarry.sqlite"), files: directory.appendingPathComponent("files"))
        let clock = Clock()
        let keys = APIKeys(store: store, now: { clock.now })
        let made = try await keys.create(name: "short", role: .viewer, tenant: "acme", lifetime: 86_400)
        #expect(try await keys.verify(made.text) == made.key)
        clock.now = clock.now.addingTimeInterval(86_401)
        #expect(try await keys.verify(made.text) == nil)
    }

    final class Clock: @unchecked Sendable {
        var now = Date()
    }
}
