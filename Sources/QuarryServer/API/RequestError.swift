import Foundation

/// A request the server cannot read as it stands: the client's to fix before anything is done.
enum RequestError: Error, Equatable, CustomStringConvertible {
    /// Not valid JSON, not the shape the route reads, a wrong type, an unknown or missing field
    /// (400), with the field as a JSON pointer when one is at fault.
    case malformed(String, field: String? = nil)
    /// The body is larger than the route takes (413).
    case tooLarge(String)
    /// A content type the route does not read (415).
    case unsupportedMediaType(String)

    var description: String {
        switch self {
        case .malformed(let reason, _), .tooLarge(let reason), .unsupportedMediaType(let reason): reason
        }
    }

    /// A decoding failure said for a person, with the field it concerns.
    init(_ error: DecodingError) {
        switch error {
        case .typeMismatch(let type, let context):
            let pointer = jsonPointer(context.codingPath)
            self = pointer.isEmpty ? .malformed("the body must be a JSON object") : .malformed("\(pointer) must be \(Self.jsonType(type))", field: pointer)
        case .valueNotFound(let type, let context):
            let pointer = jsonPointer(context.codingPath)
            self = .malformed("\(pointer) must be \(Self.jsonType(type)), not null", field: pointer)
        case .keyNotFound(let key, let context):
            let pointer = jsonPointer(context.codingPath + [key])
            self = .malformed("\(pointer) is required", field: pointer)
        case .dataCorrupted(let context):
            let pointer = jsonPointer(context.codingPath)
            self = pointer.isEmpty ? .malformed("the body is not valid JSON") : .malformed("\(pointer) cannot be read: \(context.debugDescription)", field: pointer)
        @unknown default:
            self = .malformed("the body cannot be read")
        }
    }

    /// The JSON type a Swift type is read from, for messages.
    static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is [String].Type: "an array of strings"
        case is [String: String].Type: "an object of strings"
        default: String(describing: type).hasPrefix("Array") ? "an array" : (String(describing: type).hasPrefix("Dictionary") ? "an object" : "another type")
        }
    }
}

/// A JSON pointer (RFC 6901) to a field of a request body: `/document_ids/2`.
func jsonPointer(_ path: [any CodingKey]) -> String {
    path.map { key in
        let token = key.intValue.map(String.init) ?? key.stringValue
        return "/" + token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }.joined()
}
