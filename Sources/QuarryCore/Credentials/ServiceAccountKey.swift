import _CryptoExtras
import Crypto
import Foundation

/// A Google service account's JSON key (the file Google's console hands out), read and checked
/// when the credential is stored, so a malformed key is a 422 then and not a failure at run time;
/// and the RS256-signed assertion it exchanges for an access token (RFC 7523).
public struct ServiceAccountKey: Sendable {
    public let clientEmail: String
    public let privateKeyID: String?
    /// Where the key says to exchange an assertion; Google's endpoint when it says nothing.
    public let tokenURI: String
    let key: _RSA.Signing.PrivateKey

    public static let googleTokenURI = "https://oauth2.googleapis.com/token"

    /// Why a key cannot be used, for the 422.
    public struct Malformed: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public init(json text: String) throws(Malformed) {
        guard let data = text.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data), let fields = object as? [String: Any] else {
            throw Malformed(reason: "it is not a JSON object (paste the whole key file)")
        }
        guard fields["type"] as? String == "service_account" else {
            throw Malformed(reason: "its type is \((fields["type"] as? String).map { "'\($0.prefix(40))'" } ?? "missing"), not 'service_account'")
        }
        guard let email = fields["client_email"] as? String, email.contains("@") else { throw Malformed(reason: "it has no client_email") }
        guard let pem = fields["private_key"] as? String else { throw Malformed(reason: "it has no private_key") }
        do {
            // Read whatever its size, so that a short key is refused for its size, saying so.
            key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem)
        } catch {
            throw Malformed(reason: "its private_key is not an RSA key in PEM")
        }
        guard key.keySizeInBits >= 2048 else { throw Malformed(reason: "its private_key has \(key.keySizeInBits) bits; Google's have 2048") }
        clientEmail = email
        privateKeyID = fields["private_key_id"] as? String
        tokenURI = (fields["token_uri"] as? String) ?? Self.googleTokenURI
    }

    /// A JWT asking `audience` (the token endpoint) for `scope`, valid an hour from `date`.
    public func assertion(scope: String, audience: String, at date: Date) throws -> String {
        let issued = Int(date.timeIntervalSince1970)
        var header: [String: String] = ["alg": "RS256", "typ": "JWT"]
        header["kid"] = privateKeyID
        let claims: [String: Any] = ["iss": clientEmail, "scope": scope, "aud": audience, "iat": issued, "exp": issued + 3600]
        let signed = Self.base64URL(try JSONSerialization.data(withJSONObject: header, options: .sortedKeys)) + "." +
            Self.base64URL(try JSONSerialization.data(withJSONObject: claims, options: .sortedKeys))
        let signature = try key.signature(for: Data(signed.utf8), padding: .insecurePKCS1v1_5)
        return signed + "." + Self.base64URL(signature.rawRepresentation)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
