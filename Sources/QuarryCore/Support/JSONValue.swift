/// Any JSON value, kept as it came: a workflow node's settings, a run log's data, the options of
/// a Dramatiq message that Quarry passes on unchanged.
public enum JSONValue: Codable, Sendable, Equatable {
    case null, bool(Bool), int(Int64), double(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// A whole number, written as an integer or as a float without a fraction.
    public var int: Int64? {
        switch self {
        case .int(let value): value
        case .double(let value): Int64(exactly: value.rounded())
        default: nil
        }
    }

    /// Any number, as a Double.
    public var number: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    public var string: String? { if case .string(let value) = self { value } else { nil } }

    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }

    /// The fields of an object; nil for anything else.
    public var objectValue: [String: JSONValue]? { if case .object(let fields) = self { fields } else { nil } }

    /// The items of an array; nil for anything else.
    public var arrayValue: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
}
