import Foundation
import JWTKit

/// The claims of a Quarry access token: `sub`, `tenant`, `roles`, `iat`, `exp`.
/// `exp` is required: a token that never expires is refused.
struct TokenClaims: JWTPayload {
    var sub: SubjectClaim
    var tenant: String
    var roles: [String]
    var iat: IssuedAtClaim?
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
