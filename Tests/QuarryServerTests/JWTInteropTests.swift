import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryServer
import QuarryTestSupport
import Testing

/// Quarry's tokens against PyJWT, an independent implementation, run from the project's venv.
@Suite("JWT interoperability with PyJWT")
struct JWTInteropTests {
    static let peer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers/jwt_peer.py").path

    @Test("an HS256 token minted by PyJWT is accepted")
    func pyjwtHS256() async throws {
        let token = try run(Venv.python, [Self.peer, "hs256", Fixture.secret, "acme", "editor"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let principal = try await Fixture.authority().verify(token)
        #expect(principal == Principal(subject: "python", tenant: "acme", roles: [.editor]))
    }

    @Test("a Quarry token verifies in PyJWT with the same claims")
    func quarryTokenInPyJWT() async throws {
        let token = try await Fixture.token(try await Fixture.authority(), tenant: "acme", role: .admin)
        let output = try run(Venv.python, [Self.peer, "decode", Fixture.secret, token])
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(claims["sub"] as? String == "tester")
        #expect(claims["tenant"] as? String == "acme")
        #expect(claims["roles"] as? [String] == ["admin"])
        #expect(claims["exp"] is Int)
    }

    @Test("RS256 tokens verify with the configured public key; the HS256 confusion attack does not")
    func rs256() async throws {
        let output = try run(Venv.python, [Self.peer, "rs256", "acme", "viewer"])
        struct Pair: Decodable { let public_pem: String; let token: String; let confused: String }
        let pair = try JSONDecoder().decode(Pair.self, from: Data(output.utf8))

        let authority = try await Fixture.authority(rsaPublicKeyPEM: pair.public_pem)
        #expect(try await authority.verify(pair.token) == Principal(subject: "python", tenant: "acme", roles: [.viewer]))
        await #expect(throws: TokenError.badSignature) { try await authority.verify(pair.confused) }

        try await Fixture.application(authority: authority).test(.router) { client in
            try await client.execute(uri: "/api/v1/me", method: .get, headers: Fixture.bearer(pair.token)) { (response) throws in
                #expect(response.status == .ok)
            }
        }
        // Without a configured public key, RS256 is refused outright.
        await #expect(throws: TokenError.unsupportedAlgorithm("RS256")) { try await Fixture.authority().verify(pair.token) }
    }

    /// Tokens signed with the right secret by PyJWT whose claims or header Quarry must still refuse
    /// (or, within the allowed clock skew, accept).
    @Test("signed but refused: not yet valid, no tenant claim, a key id Quarry does not have; an nbf within the clock skew is fine",
          arguments: [
              (#"{"sub": "s", "tenant": "acme", "roles": ["admin"], "exp": 600, "nbf": 600}"#, "{}", TokenError.notYetValid as TokenError?),
              (#"{"sub": "s", "tenant": "acme", "roles": ["admin"], "exp": 600, "nbf": 10}"#, "{}", nil),
              (#"{"sub": "s", "roles": ["admin"], "exp": 600}"#, "{}", .malformed("no tenant claim")),
              (#"{"sub": "s", "tenant": "acme", "roles": ["admin"], "exp": 600}"#, #"{"kid": "rotated-2025"}"#, .unknownKey("rotated-2025")),
              (#"{"sub": "s", "tenant": "../other", "roles": ["admin"], "exp": 600}"#, "{}", .malformed("invalid tenant claim")),
          ])
    func signedButRefused(claims: String, headers: String, refusal: TokenError?) async throws {
        let token = try run(Venv.python, [Self.peer, "signed", Fixture.secret, claims, headers]).trimmingCharacters(in: .whitespacesAndNewlines)
        let authority = try await Fixture.authority()
        do {
            let principal = try await authority.verify(token)
            #expect(refusal == nil, "accepted: \(principal)")
        } catch {
            #expect(error == refusal)
        }
        try await Fixture.application(authority: authority).test(.router) { client in
            try await client.execute(uri: "/api/v1/me", method: .get, headers: Fixture.bearer(token)) { (response) throws in
                #expect(response.status == (refusal == nil ? .ok : .unauthorized))
                if let refusal { #expect(try Fixture.errorBody(response).message.contains(refusal.description.prefix(20)), "\(refusal)") }
            }
        }
    }

    @Test("with jwt_public_key_id set, RS256 tokens must name that key: another kid or none is refused", arguments: [("idp-1", true), ("idp-2", false), ("", false)])
    func pinnedKeyID(kid: String, accepted: Bool) async throws {
        let output = try run(Venv.python, [Self.peer, "rs256-kid", "acme", "viewer", kid])
        struct Pair: Decodable { let public_pem: String; let token: String }
        let pair = try JSONDecoder().decode(Pair.self, from: Data(output.utf8))
        let pinned = try await TokenAuthority(secret: Fixture.secret, rsaPublicKeyPEM: pair.public_pem, rsaKeyID: "idp-1")
        if accepted {
            #expect(try await pinned.verify(pair.token).tenant == "acme")
        } else {
            await #expect(throws: TokenError.unknownKey(kid.isEmpty ? "(none)" : kid)) { try await pinned.verify(pair.token) }
        }
        // Without a pinned id, the one configured key checks RS256 tokens whatever they name.
        #expect(try await Fixture.authority(rsaPublicKeyPEM: pair.public_pem).verify(pair.token).tenant == "acme")
    }
}
