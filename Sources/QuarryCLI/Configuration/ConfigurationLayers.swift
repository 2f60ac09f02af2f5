import Foundation

/// Reads each configuration layer into `name → (value, origin)` and merges them, later layers winning.
enum ConfigurationLayers {
    struct Entry {
        let value: String
        /// `default`, a file path, `QUARRY_PORT`, `--port`: said in errors.
        let origin: String
    }

    struct Values {
        var entries: [String: Entry]

        /// The value of `key` converted by `parse`; `expected` words the error for a value `parse` refused
        /// (for a secret, without repeating the value).
        func require<T>(
            _ key: SettingKey, _ parse: (String) -> T?, expected: (String) -> String
        ) throws(ConfigurationError) -> T {
            guard let entry = entries[key.name] else {
                throw ConfigurationError(key: key.name, origin: "defaults", reason: "is required")
            }
            return try convert(entry, key, parse, expected: expected)
        }

        func optional<T>(
            _ key: SettingKey, _ parse: (String) -> T?, expected: (String) -> String
        ) throws(ConfigurationError) -> T? {
            guard let entry = entries[key.name] else { return nil }
            return try convert(entry, key, parse, expected: expected)
        }

        private func convert<T>(
            _ entry: Entry, _ key: SettingKey, _ parse: (String) -> T?, expected: (String) -> String
        ) throws(ConfigurationError) -> T {
            guard let value = parse(entry.value) else {
                throw ConfigurationError(key: key.name, origin: entry.origin, reason: expected(entry.value))
            }
            return value
        }
    }

    static func merge(environment: [String: String], configFile: String?, flags: [String: String]) throws(ConfigurationError) -> Values {
        var entries: [String: Entry] = [:]
        for key in SettingKey.all {
            if let value = key.defaultValue { entries[key.name] = Entry(value: value, origin: "default") }
        }
        if let path = configFile ?? environment[SettingKey.configFileEnvironment] {
            for (name, value) in try readFile(path) { entries[name] = Entry(value: value, origin: path) }
        }
        for (name, value) in try readEnvironment(environment) {
            entries[name] = Entry(value: value, origin: SettingKey.all.first { $0.name == name }!.environmentName)
        }
        for (name, value) in flags {
            guard SettingKey.all.contains(where: { $0.name == name }) else {
                preconditionFailure("flag for unknown setting \(name)")
            }
            entries[name] = Entry(value: value, origin: "--" + name.replacingOccurrences(of: "_", with: "-"))
        }
        return Values(entries: entries)
    }

    /// `QUARRY_*` variables. An unknown one is an error: a typo must not silently fall back to a default.
    static func readEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> [String: String] {
        var values: [String: String] = [:]
        for (variable, value) in environment where variable.hasPrefix("QUARRY_") {
            if variable == SettingKey.configFileEnvironment || ignoredEnvironment.contains(variable) { continue }
            if variable == kernelsEnvironment {
                // Read by the C kernels' dispatch itself, before any setting could reach it; checked here
                // so that a typo stops the start instead of falling back to the best level.
                guard kernelsValues.contains(value) else {
                    throw ConfigurationError(key: variable, origin: "environment", reason: "'\(value)' is not one of \(kernelsValues.joined(separator: ", "))")
                }
                continue
            }
            guard let key = SettingKey.all.first(where: { $0.environmentName == variable }) else {
                throw ConfigurationError(key: variable, origin: "environment", reason: "unknown setting; known: \(knownNames)")
            }
            values[key.name] = value
        }
        return values
    }

    /// Variables of the project's scripts, not of the server.
    static let ignoredEnvironment: Set<String> = ["QUARRY_CACHE", "QUARRY_MODELS"]

    /// The highest kernel level the vector kernels may pick (Sources/CKernels/cpu_features.h):
    /// an environment variable only, read where the kernels are dispatched.
    static let kernelsEnvironment = "QUARRY_KERNELS"
    static let kernelsValues = ["auto", "avx512", "avx2", "portable"]

    /// A JSON object whose keys are setting names and whose values are strings or numbers.
    static func readFile(_ path: String) throws(ConfigurationError) -> [String: String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError(key: "config", origin: path, reason: "cannot read the file: \(error.localizedDescription)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConfigurationError(key: "config", origin: path, reason: "is not a JSON object")
        }
        var values: [String: String] = [:]
        for (name, raw) in object {
            guard SettingKey.all.contains(where: { $0.name == name }) else {
                throw ConfigurationError(key: name, origin: path, reason: "unknown setting; known: \(knownNames)")
            }
            switch raw {
            case let text as String: values[name] = text
            case let number as NSNumber: values[name] = number.stringValue
            default: throw ConfigurationError(key: name, origin: path, reason: "must be a string or a number")
            }
        }
        return values
    }

    private static var knownNames: String { SettingKey.all.map(\.name).joined(separator: ", ") }
}
