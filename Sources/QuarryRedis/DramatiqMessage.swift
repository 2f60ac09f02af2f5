import Foundation
import QuarryCore

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
