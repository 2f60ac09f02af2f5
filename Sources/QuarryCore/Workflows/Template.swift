import Foundation

/// A node's config with `{{ path }}` placeholders filled from the run (Docs/WORKFLOWS.md):
/// `trigger` (the run's inputs), `nodes.<id>` (an upstream node's output) and `run` (`id`,
/// `workflow_id`, `workflow_version`). A path is names joined by dots, with `[n]` (or `.n`) for
/// list items: `{{ nodes.search.citations[0].snippet }}`.
///
/// A string that is one placeholder and nothing else becomes the value itself, typed (a number,
/// a list); placeholders inside longer text are written as text (strings as they are, other
/// values as compact JSON). A path that names nothing is an error naming the path and the step
/// that failed, never an empty string.
public enum Template {
    public static func render(_ value: JSONValue, in context: JSONValue) throws(TemplateError) -> JSONValue {
        switch value {
        case .string(let text): return try render(text, in: context)
        case .array(let items):
            var rendered: [JSONValue] = []
            for item in items { rendered.append(try render(item, in: context)) }
            return .array(rendered)
        case .object(let fields):
            var rendered: [String: JSONValue] = [:]
            for (key, field) in fields { rendered[key] = try render(field, in: context) }
            return .object(rendered)
        default: return value
        }
    }

    /// The nodes whose outputs the placeholders in `value` name (`nodes.<id>…`); nil when one
    /// names `nodes` whole. A placeholder that does not read names nothing (rendering says why).
    public static func namedNodes(in value: JSONValue) -> Set<String>? {
        switch value {
        case .string(let text):
            guard isTemplated(text), let parts = try? split(text) else { return [] }
            var named: Set<String> = []
            for case .path(let path) in parts {
                guard let steps = try? steps(path), steps.first == .key("nodes") else { continue }
                switch steps.dropFirst().first {
                case nil: return nil
                case .key(let id)?: named.insert(id)
                case .index(let position)?: named.insert(String(position))
                }
            }
            return named
        case .array(let items): return union(items.map(namedNodes))
        case .object(let fields): return union(fields.values.map(namedNodes))
        default: return []
        }
    }

    private static func union(_ sets: [Set<String>?]) -> Set<String>? {
        var all: Set<String> = []
        for set in sets {
            guard let set else { return nil }
            all.formUnion(set)
        }
        return all
    }

    /// Whether `text` holds a placeholder (what a config's schema check lets through unchecked).
    public static func isTemplated(_ text: String) -> Bool { text.contains("{{") }

    static func render(_ text: String, in context: JSONValue) throws(TemplateError) -> JSONValue {
        guard isTemplated(text) else { return .string(text) }
        let parts = try split(text)
        if parts.count == 1, case .path(let path) = parts[0] { return try resolve(path, in: context) }
        var output = ""
        for part in parts {
            switch part {
            case .text(let literal): output += literal
            case .path(let path): output += textOf(try resolve(path, in: context))
            }
        }
        return .string(output)
    }

    enum Part: Equatable { case text(String), path(String) }

    static func split(_ text: String) throws(TemplateError) -> [Part] {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else { throw TemplateError(path: String(rest[open.lowerBound...]), reason: "has no closing }}") }
            parts.append(.path(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return parts
    }

    /// One step of a path: a name, or a list position.
    public enum Step: Equatable, Sendable, CustomStringConvertible {
        case key(String), index(Int)

        public var description: String {
            switch self {
            case .key(let key): ".\(key)"
            case .index(let position): "[\(position)]"
            }
        }
    }

    /// When `value` is one placeholder naming inside a node's output, and nothing else
    /// (`"{{ nodes.rows.body }}"`): that node and the steps into its output. What lets a list be
    /// read from a kept-apart output a piece at a time rather than whole.
    public static func soleNodePath(_ value: JSONValue) -> (node: String, steps: [Step], path: String)? {
        guard case .string(let text) = value, isTemplated(text), let parts = try? split(text), parts.count == 1,
              case .path(let path) = parts[0], let steps = try? steps(path), steps.count >= 2, steps[0] == .key("nodes"),
              case .key(let node) = steps[1]
        else { return nil }
        return (node, Array(steps.dropFirst(2)), path)
    }

    /// `a.b[0].c` → key a, key b, index 0, key c.
    static func steps(_ path: String) throws(TemplateError) -> [Step] {
        var steps: [Step] = []
        var current = ""
        var index: String?
        func flush() { if !current.isEmpty { steps.append(Int(current).map(Step.index) ?? .key(current)); current = "" } }
        for character in path {
            if var digits = index {
                if character == "]" {
                    guard let number = Int(digits), number >= 0 else { throw TemplateError(path: path, reason: "'[\(digits)]' is not a list position") }
                    steps.append(.index(number))
                    index = nil
                } else {
                    digits.append(character)
                    index = digits
                }
                continue
            }
            switch character {
            case ".": flush()
            case "[": flush(); index = ""
            case _ where character.isLetter || character.isNumber || character == "_" || character == "-": current.append(character)
            default: throw TemplateError(path: path, reason: "'\(character)' cannot appear in a path")
            }
        }
        guard index == nil else { throw TemplateError(path: path, reason: "a '[' is not closed") }
        flush()
        guard !steps.isEmpty, case .key = steps[0] else { throw TemplateError(path: path, reason: "a path starts with trigger, nodes or run") }
        return steps
    }

    static func resolve(_ path: String, in context: JSONValue) throws(TemplateError) -> JSONValue {
        var value = context
        var walked = ""
        for step in try steps(path) {
            switch (step, value) {
            case (.key(let key), .object(let fields)):
                guard let next = fields[key] else {
                    let known = fields.keys.sorted().prefix(12).joined(separator: ", ")
                    throw TemplateError(path: path, reason: walked.isEmpty ? "no '\(key)' (there are: \(known))" : "'\(walked)' has no '\(key)' (it has: \(known))")
                }
                value = next
                walked += walked.isEmpty ? key : ".\(key)"
            case (.index(let position), .array(let items)):
                guard position < items.count else { throw TemplateError(path: path, reason: "'\(walked)' has \(items.count) items, so no [\(position)]") }
                value = items[position]
                walked += "[\(position)]"
            case (.key(let key), _):
                throw TemplateError(path: path, reason: "'\(walked)' is \(kind(value)), so it has no '\(key)'")
            case (.index(let position), _):
                throw TemplateError(path: path, reason: "'\(walked)' is \(kind(value)), so it has no [\(position)]")
            }
        }
        return value
    }

    /// How a message names what `value` is: a list, a number…
    public static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }

    static func textOf(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}

/// A placeholder that names nothing, or does not read: the node fails with this.
public struct TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "template {{ \(path) }}: \(reason)" }
}
