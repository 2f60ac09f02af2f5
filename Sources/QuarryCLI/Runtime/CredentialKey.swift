import Foundation
import QuarryCore

/// The key that seals credentials' secret fields (``CredentialVault``): generated once into
/// `<data>/credential-key` (mode 0600), 32 bytes as hex. Losing it loses the secrets it sealed;
/// back it up with the data directory, apart from the database.
enum CredentialKey {
    static let fileName = "credential-key"

    static func vault(in directory: DataDirectory) throws(ConfigurationError) -> CredentialVault {
        let path = directory.path + "/" + fileName
        func fail(_ reason: String) -> ConfigurationError { ConfigurationError(key: "credential key", origin: path, reason: reason) }
        let text = try SecretFile.resolve(path, fail: fail).value
        guard let key = Hex.decode(text), key.count == 32 else { throw fail("the key file holds no 64 hex digits") }
        do {
            return try CredentialVault(key: Data(key))
        } catch {
            throw fail(error.reason)
        }
    }
}
