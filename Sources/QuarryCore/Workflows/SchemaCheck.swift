import Foundation

/// Checks a value against the part of JSON Schema (2020-12) that node types use to describe
/// their configs and outputs: `type` (one or a list), `properties`, `required`,
/// `additionalProperties: false`, `items`, `enum`, `minimum`, `maximum`, `minLength`,
/// `maxLength`, `minItems`, `maxItems`. Other keywords are descriptions (`title`, `description`,
/// `default`, `examples`) and are not checked.
public enum SchemaCheck {
    /// A place in the value that breaks the schema: a JSON pointer and why.
    public struct Violation: Sendable, Equatable, CustomStringConvertible {
        public let pointer: String
        public let message: String
        public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(message)" }

        public init(pointer: String, message: String) {
            self.pointer = pointer
            self.message = message
        }
    }

    /// The first violation, or nil. With `templated`, a string holding `{{` passes for any type
    /// (a config is checked whole again once its templates are filled, when the node runs).
    public static func firstViolation(of value: JSONValue, against schema: JSONValue, at pointer: String = "", templated: Bool = false) -> Violation? {
        guard case .object(let rules) = schema else { return nil }
        if templated, case .string(let text) = value, Template.isTemplated(text) { return nil }
        if let type = rules["type"], !matches(value, type) {
            return Violation(pointer: pointer, message: "must be \(describe(type)), not \(Template.kind(value))")
        }
        if case .array(let allowed) = rules["enum"], !allowed.contains(value) {
            return Violation(pointer: pointer, message: "must be one of \(allowed.map(Template.textOf).joined(separator: ", "))")
        }
        if case .array(let choices) = rules["anyOf"], !choices.isEmpty {
            let violations = choices.map { firstViolation(of: value, against: $0, at: pointer, templated: templated) }
            if let first = violations.first, violations.allSatisfy({ $0 != nil }) {
                // [{"required": ["text"]}, {"required": ["blocks"]}]: say which fields would do.
                let needed = choices.compactMap { choice -> String? in
                    guard case .object(let rule) = choice, rule.count == 1, case .array(let names)? = rule["required"] else { return nil }
                    return names.compactMap(\.string).joined(separator: " and ")
                }
                if needed.count == choices.count { return Violation(pointer: pointer, message: "needs one of: \(needed.joined(separator: ", "))") }
                return first
            }
        }
        switch value {
        case .object(let fields):
            if case .array(let required) = rules["required"] {
                for case .string(let name) in required where fields[name] == nil {
                    return Violation(pointer: pointer + "/" + escape(name), message: "is required")
                }
            }
            let properties: [String: JSONValue] = if case .object(let known) = rules["properties"] { known } else { [:] }
            for name in fields.keys.sorted() {
                let field = fields[name]!
                if let rule = properties[name] {
                    if let violation = firstViolation(of: field, against: rule, at: pointer + "/" + escape(name), templated: templated) { return violation }
                } else if rules["additionalProperties"] == .bool(false) {
                    return Violation(pointer: pointer + "/" + escape(name), message: "is not a known field (known: \(properties.keys.sorted().joined(separator: ", ")))")
                } else if let rule = rules["additionalProperties"], case .object = rule {
                    if let violation = firstViolation(of: field, against: rule, at: pointer + "/" + escape(name), templated: templated) { return violation }
                }
            }
        case .array(let items):
            if let least = rules["minItems"]?.int, items.count < least { return Violation(pointer: pointer, message: "needs at least \(least) items") }
            if let most = rules["maxItems"]?.int, items.count > most { return Violation(pointer: pointer, message: "takes at most \(most) items") }
            if let rule = rules["items"] {
                for (position, item) in items.enumerated() {
                    if let violation = firstViolation(of: item, against: rule, at: pointer + "/\(position)", templated: templated) { return violation }
                }
            }
        case .string(let text):
            let length = text.unicodeScalars.count
            if let least = rules["minLength"]?.int, length < least { return Violation(pointer: pointer, message: "needs at least \(least) characters") }
            if let most = rules["maxLength"]?.int, length > most { return Violation(pointer: pointer, message: "takes at most \(most) characters") }
            if let pattern = rules["pattern"]?.string, text.range(of: pattern, options: .regularExpression) == nil {
                // The field's description says it for people ("the recipient, E.164 (+15550100)").
                return Violation(pointer: pointer, message: "does not match \(pattern)" + (rules["description"]?.string.map { ": \($0)" } ?? ""))
            }
        case .int, .double:
            let number = value.number ?? 0
            if let least = rules["minimum"]?.number, number < least { return Violation(pointer: pointer, message: "must be at least \(Template.textOf(rules["minimum"]!))") }
            if let most = rules["maximum"]?.number, number > most { return Violation(pointer: pointer, message: "must be at most \(Template.textOf(rules["maximum"]!))") }
        default: break
        }
        return nil
    }

    static func matches(_ value: JSONValue, _ type: JSONValue) -> Bool {
        switch type {
        case .string(let name):
            switch (name, value) {
            case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .int), ("number", .double), ("integer", .int): true
            case ("integer", .double(let number)): number.rounded() == number
            default: false
            }
        case .array(let names): names.contains { matches(value, $0) }
        default: true
        }
    }

    static func describe(_ type: JSONValue) -> String {
        switch type {
        case .string(let name): name == "object" || name == "array" || name == "integer" ? "an \(name)" : "a \(name)"
        case .array(let names): names.map(describe).joined(separator: " or ")
        default: "valid"
        }
    }

    /// RFC 6901: `~` and `/` in a name.
    static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
