import Foundation
import JWTKit
import QuarryCore

/// Why a bearer token was refused. Every case answers 401; the message says which case it was.
public enum TokenError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing
    case malformed(String)
    case unsupportedAlgorithm(String)
    case badSignature
    case expired

    public var description: String {
        switch self {
        case .missing: "missing bearer token"
        case .malformed(let reason): "malformed token: \(reason)"
        case .unsupportedAlgorithm(let alg): "token algorithm \(alg) is not accepted"
        case .badSignature: "token signature does not verify"
        case .expired: "token has expired"
        }
    }
}

/// A configuration problem with the signing keys, found before any token is handled.
public enum TokenKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case secretTooShort(bytes: Int)
    case badPublicKey(String)

    public var description: String {
        switch self {
        case .secretTooShort(let bytes): "the HS256 secret has \(bytes) bytes; at least \(TokenAuthority.minimumSecretBytes) are required"
        case .badPublicKey(let reason): "the RS256 public key cannot be read: \(reason)"
        }
    }
}

/// Issues HS256 tokens and verifies HS256 (always) and RS256 (when a public key is configured) tokens.
/// The algorithm named in a token's header picks the key set, so an RS256 public key can never be
/// used as an HMAC secret.
public struct TokenAuthority: Sendable {
    public static let minimumSecretBytes = 32

    private let hmacKeys: JWTKeyCollection
    private let rsaKeys: JWTKeyCollection?

    /// - Parameters:
    ///   - secret: the HS256 secret, at least 32 bytes (checked here: jwt-kit itself asserts).
    ///   - rsaPublicKeyPEM: an optional PEM public key for tokens minted elsewhere with RS256.
    public init(secret: String, rsaPublicKeyPEM: String? = nil) async throws(TokenKeyError) {
        let bytes = secret.utf8.count
        guard bytes >= Self.minimumSecretBytes else { throw .secretTooShort(bytes: bytes) }
        hmacKeys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        if let rsaPublicKeyPEM {
            do {
                let key = try Insecure.RSA.PublicKey(pem: rsaPublicKeyPEM)
                rsaKeys = await JWTKeyCollection().add(rsa: key, digestAlgorithm: .sha256)
            } catch {
                throw .badPublicKey("\(error)")
            }
        } else {
            rsaKeys = nil
        }
    }

    /// Mints an HS256 token for `subject` in `tenant`, valid for `lifetime`.
    public func issue(subject: String, tenant: String, roles: Set<Role>, lifetime: Duration, now: Date = Date()) async throws -> String {
        // Whole seconds: NumericDate may be fractional, but many JWT libraries expect integers.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let seconds = Double(lifetime.components.seconds)
        let claims = TokenClaims(
            sub: .init(value: subject),
            tenant: tenant,
            roles: roles.sorted().map(\.rawValue),
            iat: .init(value: now),
            exp: .init(value: now.addingTimeInterval(seconds))
        )
        return try await hmacKeys.sign(claims)
    }

    /// The caller a token stands for, or why it is refused.
    public func verify(_ token: String) async throws(TokenError) -> Principal {
        let keys: JWTKeyCollection
        switch try Self.algorithm(of: token) {
        case "HS256": keys = hmacKeys
        case "RS256" where rsaKeys != nil: keys = rsaKeys!
        case let other: throw .unsupportedAlgorithm(other)
        }
        let claims: TokenClaims
        do {
            claims = try await keys.verify(token, as: TokenClaims.self)
        } catch let error as JWTError {
            throw Self.classify(error)
        } catch {
            throw .malformed("\(error)")
        }
        return try Self.principal(from: claims)
    }

    /// The `alg` of the token's header, read before any key is chosen.
    private static func algorithm(of token: String) throws(TokenError) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("expected three dot-separated parts") }
        struct Header: Decodable { let alg: String }
        guard let data = Data(base64URLEncoded: parts[0]),
              let header = try? JSONDecoder().decode(Header.self, from: data)
        else { throw .malformed("unreadable header") }
        return header.alg
    }

    private static func classify(_ error: JWTError) -> TokenError {
        switch error.errorType {
        case .signatureVerificationFailed: .badSignature
        case .claimVerificationFailure where error.failedClaim is ExpirationClaim: .expired
        default: .malformed(error.reason ?? "\(error.errorType)")
        }
    }

    private static func principal(from claims: TokenClaims) throws(TokenError) -> Principal {
        let subject = claims.sub.value
        guard !subject.isEmpty else { throw .malformed("empty sub claim") }
        guard Tenant.isValid(claims.tenant) else { throw .malformed("invalid tenant claim") }
        // Roles this service does not know (an identity provider may add its own) grant nothing.
        let roles = Set(claims.roles.compactMap(Role.init(rawValue:)))
        return Principal(subject: subject, tenant: claims.tenant, roles: roles)
    }
}

extension Data {
    /// Decodes base64url without padding, as used in JWTs.
    init?(base64URLEncoded text: Substring) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
