import Foundation
import QuarryCore

/// The keys that seal credentials' secret fields (``CredentialVault``), in `<data>/credential-key`
/// or the file `credential_key_file` names (mode 0600): one key per line, 32 bytes as hex, the current key first and the keys it replaced
/// after it, so what they sealed still opens. Generated on first start with one key. Losing the
/// file loses the secrets it sealed: back it up with the data directory, apart from the database.
///
/// A rotation (`quarry credentials rotate-key`) puts a new key first; a running process that meets
/// a value sealed under a key it does not hold reads the file again (``Credentials``), so nothing
/// stops. `quarry credentials drop-old-keys` keeps the current key alone once nothing needs the rest.
enum CredentialKey {
    static let fileName = "credential-key"

    /// The key file the settings name, else `<data>/credential-key`.
    static func path(_ settings: Settings, directory: DataDirectory) -> String { settings.credentialKeyFile ?? directory.path + "/" + fileName }

    static func fail(_ path: String, _ reason: String) -> ConfigurationError {
        ConfigurationError(key: SettingKey.credentialKeyFile.name, origin: path, reason: reason)
    }

    /// The vault of the file's keys, the file made with one new key when there is none.
    static func vault(at path: String) throws(ConfigurationError) -> CredentialVault {
        let text = try SecretFile.resolve(path) { fail(path, $0) }.value
        return try vault(text, path: path)
    }

    /// A vault that reads the file again each time it is asked (what ``Credentials`` reloads).
    static func reloading(at path: String) -> @Sendable () throws -> CredentialVault {
        { try vault(at: path) }
    }

    static func vault(_ text: String, path: String) throws(ConfigurationError) -> CredentialVault {
        var keys: [Data] = []
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let key = Hex.decode(trimmed), key.count == 32 else { throw fail(path, "line \(number + 1) holds no key of 64 hex digits") }
            keys.append(Data(key))
        }
        guard let current = keys.first else { throw fail(path, "the file holds no key") }
        do {
            return try CredentialVault(key: current, previous: Array(keys.dropFirst()))
        } catch {
            throw fail(path, error.reason)
        }
    }

    /// Puts a new key first, keeping the others after it; the vault of the new file.
    static func rotate(at path: String) throws(ConfigurationError) -> CredentialVault {
        let old = try SecretFile.resolve(path) { fail(path, $0) }.value
        var generator = SystemRandomNumberGenerator()
        let new = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let text = new + "\n" + old
        let vault = try vault(text, path: path)
        try replace(path, with: text)
        return vault
    }

    /// Keeps the current key alone.
    static func dropOld(at path: String) throws(ConfigurationError) {
        let text = try SecretFile.resolve(path) { fail(path, $0) }.value
        guard let first = text.split(whereSeparator: \.isNewline).first else { throw fail(path, "the file holds no key") }
        try replace(path, with: String(first))
    }

    /// Writes `text` beside the file and renames it over, so a reader sees the old file or the
    /// new, never part of one.
    private static func replace(_ path: String, with text: String) throws(ConfigurationError) {
        let temporary = try SecretFile.writeBeside(path, text) { fail(path, $0) }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw fail(path, "cannot replace the key file: \(reason)")
        }
    }
}
