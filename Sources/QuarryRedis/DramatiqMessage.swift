import Foundation

/// A JSON value kept as it came, so options Quarry does not know survive a retry unchanged.
enum JSONValue: Codable, Sendable, Equatable {
    case null, bool(Bool), int(Int64), double(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
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

    var int: Int64? {
        switch self {
        case .int(let value): value
        case .double(let value): Int64(exactly: value.rounded()) 
        default: nil
        }
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
}

/// A message as Dramatiq encodes it: compact JSON with exactly these seven fields (an extra
/// top-level field breaks Dramatiq's decoder).
struct DramatiqMessage: Codable, Sendable, Equatable {
    var queue_name: String
    var actor_name: String
    var args: [JSONValue]
    var kwargs: [String: JSONValue]
    var options: [String: JSONValue]
    /// Stable across retries.
    var message_id: String
    /// Milliseconds since 1970.
    var message_timestamp: Int64

    /// Dramatiq's default when a message names no `max_retries`.
    static let defaultMaxRetries: Int64 = 20

    /// The key of this delivery in Redis (`options.redis_message_id`), fresh per enqueue.
    var redisMessageId: String? { options["redis_message_id"]?.string }
    var retries: Int64 { options["retries"]?.int ?? 0 }
    var maxRetries: Int64 { options["max_retries"]?.int ?? Self.defaultMaxRetries }
    /// When a delayed message is due, in milliseconds since 1970.
    var eta: Int64? { options["eta"]?.int }

    static func decode(_ data: Data) throws -> DramatiqMessage {
        try JSONDecoder().decode(DramatiqMessage.self, from: data)
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// A copy for the next enqueue: a new `redis_message_id`, the rest kept.
    func reissued() -> DramatiqMessage {
        var copy = self
        copy.options["redis_message_id"] = .string(UUID().uuidString.lowercased())
        return copy
    }
}
