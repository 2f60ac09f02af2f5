import ArgumentParser
import Foundation
import QuarryCore
import QuarryServer

/// `quarry token create`: mints an access token from the configured secret.
public struct TokenCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage access tokens.", subcommands: [Create.self]
    )

    public init() {}

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mint a token and print only the token on standard output.",
            discussion: "Signed with the secret `quarry serve` uses (jwt_secret, or <data>/jwt-secret)."
        )

        @OptionGroup var options: ConfigurationOptions

        @Option(help: ArgumentHelp("Tenant the token is scoped to.", valueName: "tenant"))
        var tenant: String

        @Option(help: ArgumentHelp("viewer, editor or admin.", valueName: "role"))
        var role: String

        @Option(help: ArgumentHelp("Lifetime in seconds.", valueName: "seconds"))
        var ttl: Int64 = 86_400

        @Option(help: ArgumentHelp("Subject (who the token is for).", valueName: "sub"))
        var subject = "cli"

        func validate() throws {
            guard Tenant.isValid(tenant) else {
                throw ValidationError("--tenant must be 1-64 characters of A-Z a-z 0-9 . _ -")
            }
            guard Role(rawValue: role) != nil else {
                throw ValidationError("--role must be one of: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard ttl > 0 else { throw ValidationError("--ttl must be a positive number of seconds") }
            guard !subject.isEmpty else { throw ValidationError("--subject must not be empty") }
        }

        func run() async throws {
            let authority = try await reportingStartupErrors {
                let settings = try options.settings()
                let directory = try DataDirectory.prepare(settings.dataDirectory)
                let secret = try SigningSecret.resolve(configured: settings.jwtSecret, in: directory)
                return try await ServerRuntime.makeAuthority(settings, secret: secret, directory: directory)
            }
            let token = try await authority.issue(
                subject: subject, tenant: tenant, roles: [Role(rawValue: role)!], lifetime: .seconds(ttl)
            )
            print(token)
        }
    }
}
