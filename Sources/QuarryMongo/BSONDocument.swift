import CMongoc
import Foundation

/// A libbson document owned by Swift, made from and read as MongoDB Extended JSON: the adapter
/// builds every filter, update and record as Codable values encoded to JSON (so strings are
/// always escaped by the encoder, never spliced into a query), and reads results the same way.
final class BSONDocument {
    let pointer: OpaquePointer

    /// An empty document, for replies.
    init() {
        pointer = bson_new()!
    }

    init(json: Data) throws(MongoError) {
        var error = bson_error_t()
        let made = json.withUnsafeBytes { bytes in
            bson_new_from_json(bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count, &error)
        }
        guard let made else { throw MongoError(error, operation: "encoding a document") }
        pointer = made
    }

    convenience init(_ value: some Encodable) throws {
        if let raw = value as? RawJSON { try self.init(json: raw.json); return }
        try self.init(json: try ExtendedJSON.encoder.encode(value))
    }

    deinit { bson_destroy(pointer) }

    /// Relaxed Extended JSON: numbers as numbers, dates as `{"$date": "…Z"}`.
    static func json(_ document: OpaquePointer) -> Data {
        var length = 0
        guard let text = bson_as_relaxed_extended_json(document, &length) else { return Data("{}".utf8) }
        defer { bson_free(text) }
        return Data(bytes: text, count: length)
    }

    var json: Data { Self.json(pointer) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try ExtendedJSON.decoder.decode(type, from: json)
    }
}

/// JSON coders that write and read dates as Extended JSON dates (millisecond precision, as BSON
/// keeps them), so dates are real BSON dates that sort and index as such.
enum ExtendedJSON {
    private struct DateKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
        static let date = DateKey(stringValue: "$date")
        static let long = DateKey(stringValue: "$numberLong")
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // one field order for the same value, always
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.container(keyedBy: DateKey.self)
            var long = container.nestedContainer(keyedBy: DateKey.self, forKey: .date)
            try long.encode(String(Int64((date.timeIntervalSince1970 * 1000).rounded(.down))), forKey: .long)
        }
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.container(keyedBy: DateKey.self)
            if let text = try? container.decode(String.self, forKey: .date) {
                // Relaxed form for years 1970–9999: ISO 8601 with or without milliseconds.
                for formatter in [withFraction, withoutFraction] {
                    if let date = formatter.date(from: text) { return date }
                }
                throw DecodingError.dataCorruptedError(forKey: .date, in: container, debugDescription: "not an ISO 8601 date: \(text)")
            }
            let long = try container.nestedContainer(keyedBy: DateKey.self, forKey: .date)
            guard let milliseconds = Int64(try long.decode(String.self, forKey: .long)) else {
                throw DecodingError.dataCorruptedError(forKey: .long, in: long, debugDescription: "not a $numberLong")
            }
            return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        }
        return decoder
    }()

    nonisolated(unsafe) private static let withFraction: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    nonisolated(unsafe) private static let withoutFraction = ISO8601DateFormatter()
}
