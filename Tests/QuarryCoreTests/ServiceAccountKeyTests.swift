import Foundation
import QuarryCore
import QuarryTestSupport
import Testing

/// A Google service account's key is read when the credential is stored: a key that could never
/// sign is a 422 then, naming why, not a failure at run time.
@Suite("service-account keys")
struct ServiceAccountKeyTests {
    static func rsaKey(bits: Int) throws -> String {
        try run("/usr/bin/openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:\(bits)"])
    }

    static func keyJSON(type: String = "service_account", email: String? = "bot@project.iam.gserviceaccount.com", privateKey: String) throws -> String {
        var fields: [String: String] = ["type": type, "private_key": privateKey, "private_key_id": "k1", "token_uri": "https://oauth2.googleapis.com/token"]
        fields["client_email"] = email
        return String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
    }

    @Test("a good key is taken and signs an RS256 assertion naming the account, the scope and the audience")
    func goodKey() throws {
        let key = try ServiceAccountKey(json: try Self.keyJSON(privateKey: try Self.rsaKey(bits: 2048)))
        #expect(key.clientEmail == "bot@project.iam.gserviceaccount.com" && key.privateKeyID == "k1")
        let jwt = try key.assertion(scope: "https://www.googleapis.com/auth/spreadsheets", audience: key.tokenURI, at: Date(timeIntervalSince1970: 1_800_000_000))
        let parts = jwt.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        func decoded(_ part: String) throws -> [String: Any] {
            var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
            let data = try #require(Data(base64Encoded: base64))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        #expect(try decoded(parts[0])["alg"] as? String == "RS256" && decoded(parts[0])["kid"] as? String == "k1")
        let claims = try decoded(parts[1])
        #expect(claims["iss"] as? String == "bot@project.iam.gserviceaccount.com" && claims["aud"] as? String == "https://oauth2.googleapis.com/token")
        #expect(claims["iat"] as? Int == 1_800_000_000 && claims["exp"] as? Int == 1_800_003_600)
    }

    @Test("a malformed key is refused with the reason, under /fields/key_json")
    func malformed() throws {
        let type = try #require(CredentialType.named("google_service_account"))
        let good = try Self.rsaKey(bits: 2048)
        let cases: [(String, String)] = [
            ("{not json", "it is not a JSON object"),
            (try Self.keyJSON(type: "authorized_user", privateKey: good), "its type is 'authorized_user', not 'service_account'"),
            (try Self.keyJSON(email: nil, privateKey: good), "it has no client_email"),
            (try Self.keyJSON(privateKey: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "its private_key is not an RSA key in PEM"),
            (try Self.keyJSON(privateKey: try Self.rsaKey(bits: 1024)), "has 1024 bits"),
        ]
        for (json, reason) in cases {
            #expect {
                try type.check(["key_json": json])
            } throws: { error in
                guard let invalid = error as? InvalidField else { return false }
                return invalid.field == "/fields/key_json" && invalid.reason.contains(reason)
            }
        }
        #expect(throws: Never.self) { try type.check(["key_json": try Self.keyJSON(privateKey: good)]) }
    }
}
