import MCP

/// A tool call's arguments, read by name: a missing, mistyped or unknown argument is the MCP
/// error `invalid params`, naming the tool and the argument, before any work is done.
struct ToolArguments {
    let tool: String
    private let values: [String: Value]

    init(tool: String, _ values: [String: Value]?, allowed: Set<String>) throws(MCPError) {
        self.tool = tool
        self.values = values ?? [:]
        if let unknown = self.values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw invalid(unknown, "is not an argument of \(tool); its arguments are \(allowed.sorted().joined(separator: ", "))")
        }
    }

    func invalid(_ name: String, _ reason: String) -> MCPError {
        .invalidParams("\(tool): \(name) \(reason)")
    }

    private func present(_ name: String) -> Value? {
        guard let value = values[name], !value.isNull else { return nil }
        return value
    }

    func string(_ name: String) throws(MCPError) -> String {
        guard let value = present(name) else { throw invalid(name, "is required") }
        guard let text = value.stringValue else { throw invalid(name, "must be a string") }
        return text
    }

    func optionalString(_ name: String) throws(MCPError) -> String? {
        guard present(name) != nil else { return nil }
        return try string(name)
    }

    func int(_ name: String, default fallback: Int) throws(MCPError) -> Int {
        guard let value = present(name) else { return fallback }
        // JSON has one number type: 5.0 is 5, 5.5 is not an integer.
        if let integer = value.intValue { return integer }
        if let double = value.doubleValue, double.rounded() == double, abs(double) < 1e15 { return Int(double) }
        throw invalid(name, "must be an integer")
    }

    func strings(_ name: String) throws(MCPError) -> [String]? {
        guard let value = present(name) else { return nil }
        let texts = value.arrayValue?.compactMap(\.stringValue)
        guard let texts, texts.count == value.arrayValue?.count else { throw invalid(name, "must be an array of strings") }
        return texts
    }

    func stringMap(_ name: String) throws(MCPError) -> [String: String] {
        guard let value = present(name) else { return [:] }
        guard let object = value.objectValue else { throw invalid(name, "must be an object of strings") }
        var map: [String: String] = [:]
        for (key, item) in object {
            guard let text = item.stringValue else { throw invalid(name, "must be an object of strings (\(key.prefix(100)) is not a string)") }
            map[key] = text
        }
        return map
    }

    func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, default fallback: Choice) throws(MCPError) -> Choice
    where Choice.RawValue == String {
        guard let word = try optionalString(name) else { return fallback }
        guard let choice = Choice(rawValue: word) else {
            throw invalid(name, "must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }
}
