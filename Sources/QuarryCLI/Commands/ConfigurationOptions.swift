import ArgumentParser
import Foundation

/// `--config` and `--data`, shared by every command that reads the configuration.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("JSON config file (also QUARRY_CONFIG).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Data directory (also QUARRY_DATA; default ./.quarry).", valueName: "dir"))
    var data: String?

    /// The resolved settings, with the command's own flags (`nil` = not given) on top.
    func settings(flags: [String: String?] = [:]) throws(ConfigurationError) -> Settings {
        var given = flags.compactMapValues { $0 }
        if let data { given[SettingKey.data.name] = data }
        return try Settings.resolve(configFile: config, flags: given)
    }
}

/// Runs `body`; a configuration problem becomes one line on standard error and exit status 78 (EX_CONFIG).
func reportingStartupErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("quarry: \(error)\n".utf8))
        throw ExitCode(78)
    }
}
