import Foundation
import QuarryCore

/// A JSON Schema written as JSON text in a node type's source (read once; a schema that does not
/// read is a programming error, caught by the node-type tests).
func schema(_ text: String) -> JSONValue {
    (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .object(["description": .string("unreadable schema")])
}

extension JSONValue {
    /// JSON's truthiness as people expect it of a condition: null, false, 0, "" and empty lists
    /// and objects are false.
    var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let value): value
        case .int(let value): value != 0
        case .double(let value): value != 0
        case .string(let value): !value.isEmpty
        case .array(let value): !value.isEmpty
        case .object(let value): !value.isEmpty
        }
    }
}
