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
        // O_EXCL: when two processes start at once, exactly one creates the secret and both use it.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd >= 0 {
            defer { close(fd) }
            var generator = SystemRandomNumberGenerator()
            let secret = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let bytes = Array((secret + "\n").utf8)
            guard fchmod(fd, 0o600) == 0, write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(path)
                throw fail("cannot write the generated secret: \(reason)")
            }
            return SigningSecret(value: secret, wasCreated: true)
        }
        guard errno == EEXIST else { throw fail("cannot create the secret file: \(String(cString: strerror(errno)))") }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw fail("cannot read the secret file") }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw fail("the secret file is empty; delete it to generate a new secret") }
        return SigningSecret(value: secret, wasCreated: false)
    }
}
