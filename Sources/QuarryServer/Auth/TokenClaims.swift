import Foundation
import JWTKit

/// The claims of a Quarry access token: `sub`, `tenant`, `roles`, `iat`, `exp`, and `nbf` from
/// tokens minted elsewhere. `exp` and `tenant` are required: a token that never expires, or that
/// says no tenant, is refused.
struct TokenClaims: JWTPayload {
    var sub: SubjectClaim
    /// Optional here so that a token without one is refused by name, not by a decoder's message.
    var tenant: String?
    var roles: [String]
    var iat: IssuedAtClaim?
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore(currentDate: Date().addingTimeInterval(TokenAuthority.clockSkew))
    }
}
