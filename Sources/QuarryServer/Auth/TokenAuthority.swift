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
    case notYetValid
    /// The header names a key (`kid`) Quarry does not have.
    case unknownKey(String)

    public var description: String {
        switch self {
        case .missing: "missing bearer token"
        case .malformed(let reason): "malformed token: \(reason)"
        case .unsupportedAlgorithm(let alg): "token algorithm \(alg) is not accepted"
        case .badSignature: "token signature does not verify"
        case .expired: "token has expired"
        case .notYetValid: "token is not valid yet (nbf is in the future)"
        case .unknownKey(let kid): "token names key id \"\(kid.prefix(64))\", which this server does not have"
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
/// used as an HMAC secret. Each algorithm has one key: a `kid` in the header must name it, or the
/// token is refused rather than tried against that key anyway (jwt-kit falls back to its default key).
public struct TokenAuthority: Sendable {
    public static let minimumSecretBytes = 32
    /// How far a token's `nbf` may lie ahead of this clock: an identity provider's clock may run a little ahead.
    public static let clockSkew: TimeInterval = 30

    private let hmacKeys: JWTKeyCollection
    private let rsaKeys: JWTKeyCollection?
    /// The `kid` RS256 tokens must carry, when configured; Quarry's own HS256 key has none.
    private let rsaKeyID: String?

    /// - Parameters:
    ///   - secret: the HS256 secret, at least 32 bytes (checked here: jwt-kit itself asserts).
    ///   - rsaPublicKeyPEM: an optional PEM public key for tokens minted elsewhere with RS256.
    ///   - rsaKeyID: the key id an identity provider puts in those tokens' `kid`; when nil, RS256
    ///     tokens may carry any `kid` or none (there is one key to check them with).
    public init(secret: String, rsaPublicKeyPEM: String? = nil, rsaKeyID: String? = nil) async throws(TokenKeyError) {
        self.rsaKeyID = rsaKeyID
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
            exp: .init(value: now.addingTimeInterval(seconds)), nbf: nil
        )
        return try await hmacKeys.sign(claims)
    }

    /// The caller a token stands for, or why it is refused.
    public func verify(_ token: String) async throws(TokenError) -> Principal {
        let keys: JWTKeyCollection
        let header = try Self.header(of: token)
        switch header.alg {
        case "HS256":
            if let kid = header.kid { throw .unknownKey(kid) }
            keys = hmacKeys
        case "RS256" where rsaKeys != nil:
            if let rsaKeyID, header.kid != rsaKeyID { throw .unknownKey(header.kid ?? "(none)") }
            keys = rsaKeys!
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

    struct Header: Decodable {
        let alg: String
        let kid: String?
    }

    /// The token's header (`alg`, `kid`), read before any key is chosen.
    private static func header(of token: String) throws(TokenError) -> Header {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("expected three dot-separated parts") }
        guard let data = Data(base64URLEncoded: parts[0]),
              let header = try? JSONDecoder().decode(Header.self, from: data)
        else { throw .malformed("unreadable header") }
        return header
    }

    private static func classify(_ error: JWTError) -> TokenError {
        switch error.errorType {
        case .signatureVerificationFailed: .badSignature
        case .claimVerificationFailure where error.failedClaim is ExpirationClaim: .expired
        case .claimVerificationFailure where error.failedClaim is NotBeforeClaim: .notYetValid
        default: .malformed(error.reason ?? "\(error.errorType)")
        }
    }

    private static func principal(from claims: TokenClaims) throws(TokenError) -> Principal {
        let subject = claims.sub.value
        guard !subject.isEmpty else { throw .malformed("empty sub claim") }
        guard let tenant = claims.tenant else { throw .malformed("no tenant claim") }
        guard Tenant.isValid(tenant) else { throw .malformed("invalid tenant claim") }
        // Roles this service does not know (an identity provider may add its own) grant nothing.
        let roles = Set(claims.roles.compactMap(Role.init(rawValue:)))
        return Principal(subject: subject, tenant: tenant, roles: roles)
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
