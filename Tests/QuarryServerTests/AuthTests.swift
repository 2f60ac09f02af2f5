import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryServer
import QuarryTestSupport
import Testing

@Suite("Bearer tokens on /api/v1")
struct AuthTests {
    @Test("a valid token reaches /api/v1/me, which returns sub, tenant and roles")
    func me() async throws {
        let authority = try await Fixture.authority()
        let token = try await Fixture.token(authority, tenant: "acme", role: .editor)
        try await Fixture.application(authority: authority).test(.router) { client in
            try await client.execute(uri: "/api/v1/me", method: .get, headers: Fixture.bearer(token)) { (response) throws in
                #expect(response.status == .ok)
                let body = try Fixture.json(response)
                #expect(body["sub"] as? String == "tester")
                #expect(body["tenant"] as? String == "acme")
                #expect(body["roles"] as? [String] == ["editor"])
            }
        }
    }

    @Test("refused tokens answer 401 with a reason", arguments: RefusedToken.allCases)
    func refused(_ kind: RefusedToken) async throws {
        let authority = try await Fixture.authority()
        let headers = try await kind.headers(authority)
        try await Fixture.application(authority: authority).test(.router) { client in
            try await client.execute(uri: "/api/v1/me", method: .get, headers: headers) { (response) throws in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                let error = try Fixture.errorBody(response)
                #expect(error.code == "unauthorized")
                #expect(error.message.contains(kind.expectedReason), "message: \(error.message)")
            }
        }
    }

    enum RefusedToken: CaseIterable, Sendable {
        case missing, notBearer, garbage, forged, expired, tamperedTenant, algorithmNone, rs256WithoutKey

        func headers(_ authority: TokenAuthority) async throws -> HTTPFields {
            switch self {
            case .missing:
                return [:]
            case .notBearer:
                return [.authorization: "Basic dXNlcjpwYXNz"]
            case .garbage:
                return Fixture.bearer("not-a-jwt")
            case .forged:
                let other = try await TokenAuthority(secret: String(repeating: "x", count: 40))
                return Fixture.bearer(try await Fixture.token(other, role: .admin))
            case .expired:
                let token = try await authority.issue(
                    subject: "s", tenant: "acme", roles: [.admin], lifetime: .seconds(60), now: Date().addingTimeInterval(-3600)
                )
                return Fixture.bearer(token)
            case .tamperedTenant:
                let parts = try await Fixture.token(authority).split(separator: ".").map(String.init)
                let payload = #"{"sub":"tester","tenant":"other","roles":["admin"],"exp":9999999999}"#
                return Fixture.bearer([parts[0], base64URL(payload), parts[2]].joined(separator: "."))
            case .algorithmNone:
                let header = base64URL(#"{"alg":"none","typ":"JWT"}"#)
                let payload = base64URL(#"{"sub":"s","tenant":"acme","roles":["admin"],"exp":9999999999}"#)
                return Fixture.bearer("\(header).\(payload).")
            case .rs256WithoutKey:
                let header = base64URL(#"{"alg":"RS256","typ":"JWT"}"#)
                let payload = base64URL(#"{"sub":"s","tenant":"acme","roles":["admin"],"exp":9999999999}"#)
                return Fixture.bearer("\(header).\(payload).c2ln")
            }
        }

        var expectedReason: String {
            switch self {
            case .missing: "missing bearer token"
            case .notBearer: "not 'Bearer <token>'"
            case .garbage: "malformed token"
            case .forged, .tamperedTenant: "signature does not verify"
            case .expired: "expired"
            case .algorithmNone: "algorithm none is not accepted"
            case .rs256WithoutKey: "algorithm RS256 is not accepted"
            }
        }
    }

    @Test("a token whose roles Quarry does not know grants nothing: 403")
    func unknownRoles() async throws {
        let authority = try await Fixture.authority()
        let token = try await authority.issue(subject: "s", tenant: "acme", roles: [], lifetime: .seconds(600))
        try await Fixture.application(authority: authority).test(.router) { client in
            try await client.execute(uri: "/api/v1/me", method: .get, headers: Fixture.bearer(token)) { (response) throws in
                #expect(response.status == .forbidden)
                #expect(try Fixture.errorBody(response).code == "forbidden")
            }
        }
    }

    @Test("minting tokens over the API needs the admin role", arguments: [Role.viewer, .editor])
    func mintingNeedsAdmin(role: Role) async throws {
        let authority = try await Fixture.authority()
        let token = try await Fixture.token(authority, role: role)
        try await Fixture.application(authority: authority).test(.router) { client in
            let body = ByteBuffer(string: #"{"sub":"bot","role":"viewer"}"#)
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: Fixture.bearer(token), body: body) { (response) throws in
                #expect(response.status == .forbidden)
                #expect(try Fixture.errorBody(response).message.contains("admin"))
            }
        }
    }

    @Test("an admin mints a token for its own tenant, and the new token works")
    func adminMints() async throws {
        let authority = try await Fixture.authority()
        let admin = try await Fixture.token(authority, tenant: "acme", role: .admin)
        try await Fixture.application(authority: authority).test(.router) { client in
            let body = ByteBuffer(string: #"{"sub":"bot","role":"viewer","ttl_seconds":120}"#)
            let minted = try await client.execute(uri: "/api/v1/tokens", method: .post, headers: Fixture.bearer(admin), body: body) { (response) throws in
                #expect(response.status == .created)
                let json = try Fixture.json(response)
                #expect(json["tenant"] as? String == "acme")
                #expect(json["expires_in"] as? Int == 120)
                return try #require(json["token"] as? String)
            }
            try await client.execute(uri: "/api/v1/me", method: .get, headers: Fixture.bearer(minted)) { (response) throws in
                let json = try Fixture.json(response)
                #expect(json["sub"] as? String == "bot")
                #expect(json["tenant"] as? String == "acme")
                #expect(json["roles"] as? [String] == ["viewer"])
            }
        }
    }

    @Test("bad token requests answer 400 (unreadable) or 422 (out of range), naming the field", arguments: [
        (#"{"sub":"bot","role":"owner"}"#, 400, "/role"), (#"{"sub":"","role":"viewer"}"#, 422, "/sub"), (#"{"sub":" \f\n","role":"viewer"}"#, 422, "/sub"),
        (#"{"sub":"bot","role":"viewer","ttl_seconds":0}"#, 422, "/ttl_seconds"),
        (#"{"sub":"bot","role":"viewer","ttl_seconds":99999999999}"#, 422, "/ttl_seconds"),
        (#"{"sub":"bot","role":"viewer","tenant":"globex"}"#, 400, "/tenant"), (#"{"role":"viewer"}"#, 400, "/sub"),
        (#"{"sub":"bot""#, 400, nil), ("", 400, nil),
    ])
    func badTokenRequests(body: String, status: Int, field: String?) async throws {
        let authority = try await Fixture.authority()
        let admin = try await Fixture.token(authority, role: .admin)
        try await Fixture.application(authority: authority).test(.router) { client in
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: Fixture.bearer(admin), body: ByteBuffer(string: body)) { (response) throws in
                #expect(response.status.code == status)
                let error = try Fixture.errorBody(response)
                #expect(error.code == (status == 400 ? "bad_request" : "invalid_field") && error.field == field, "\(error)")
            }
        }
    }

    @Test("a secret shorter than 32 bytes is refused before jwt-kit sees it")
    func shortSecret() async {
        await #expect(throws: TokenKeyError.secretTooShort(bytes: 31)) {
            try await TokenAuthority(secret: String(repeating: "s", count: 31))
        }
    }
}

func base64URL(_ text: String) -> String {
    Data(text.utf8).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
}
