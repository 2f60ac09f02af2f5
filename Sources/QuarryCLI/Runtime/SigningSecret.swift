import Foundation
import QuarryCore

/// The HS256 secret: configured (`jwt_secret`), or generated once into `<data>/jwt-secret` with mode 0600.
public struct SigningSecret: Sendable {
    public let value: String
    /// True when this call generated the secret: the first start of a new installation.
    public let wasCreated: Bool

    public static let fileName = "jwt-secret"

    public static func resolve(configured: String?, in directory: DataDirectory) throws(ConfigurationError) -> SigningSecret {
        if let configured { return SigningSecret(value: configured, wasCreated: false) }
        let path = directory.path + "/" + fileName
        func fail(_ reason: String) -> ConfigurationError {
            ConfigurationError(key: SettingKey.jwtSecret.name, origin: path, reason: reason)
        }
        let (value, created) = try SecretFile.resolve(path, fail: fail)
        return SigningSecret(value: value, wasCreated: created)
    }
}
