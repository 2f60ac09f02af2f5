import ArgumentParser
import Foundation
import QuarryCore
import QuarryWorkflow

/// `quarry credentials rotate-key` and `drop-old-keys`: a new key for credentials' secrets,
/// with nothing stopped (Docs/CONNECTORS.md).
public struct CredentialsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "credentials", abstract: "Manage the key that seals credentials' secrets.", subcommands: [RotateKey.self, DropOldKeys.self]
    )

    public init() {}

    /// The credentials in the store the settings select, with the vault `vault` makes of the key
    /// file (read, or rotated first), and the key file's path.
    static func open(_ options: ConfigurationOptions, vault: (String) throws(ConfigurationError) -> CredentialVault) async throws -> (Credentials, String) {
        try await reportingStartupErrors {
            let settings = try options.settings()
            let backends = try Backends.open(settings)
            let keys = CredentialKey.path(settings, directory: backends.directory)
            return (Credentials(store: backends.store, vault: try vault(keys)), keys)
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Put a new key first in the credential key file and seal every credential's secrets anew under it.",
            discussion: """
            The older keys stay in the file, so running servers and workers go on: one that meets a \
            secret sealed under a key it does not hold reads the file again. With more than one host, \
            give each the new file first. Once it says no credential holds an older key, \
            `quarry credentials drop-old-keys` removes them.
            """
        )

        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let (credentials, keys) = try await CredentialsCommand.open(options, vault: CredentialKey.rotate)
            let (resealed, stale) = try await credentials.resealAll()
            print("credential keys: a new key is first in \(keys); \(resealed) credentials sealed anew under it")
            print(stale == 0 ? "no credential holds an older key: `quarry credentials drop-old-keys` may remove them"
                             : "\(stale) credentials still hold an older key (made meanwhile by a process that had not read the new one); drop-old-keys seals them anew before it removes anything")
        }
    }

    struct DropOldKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "drop-old-keys",
            abstract: "Seal what still holds an older key under the current one, then keep the current key alone.",
            discussion: "Refuses (exit 75) while a credential still holds an older key after sealing; nothing is removed then."
        )

        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let (credentials, keys) = try await CredentialsCommand.open(options, vault: CredentialKey.vault)
            let (resealed, stale) = try await credentials.resealAll()
            guard stale == 0 else {
                FileHandle.standardError.write(Data("quarry: \(stale) credentials still hold an older key; the keys are kept\n".utf8))
                throw ExitCode(75)
            }
            try await reportingStartupErrors { try CredentialKey.dropOld(at: keys) }
            print("credential keys: \(resealed) credentials sealed anew; the current key is alone in \(keys)")
        }
    }
}
