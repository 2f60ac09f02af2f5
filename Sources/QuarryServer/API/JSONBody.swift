import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// The body read as `T`, at most `limit` bytes: 413 past it, 400 with the field at fault when
    /// it is not `T` (``RequestError``).
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        try Self.decode(T.self, from: try await collectBody(limit: limit))
    }

    /// The body decoded, or `empty` when there is none (a POST whose body is optional).
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int, orWhenEmpty empty: T) async throws -> T {
        let data = try await collectBody(limit: limit)
        return data.isEmpty ? empty : try Self.decode(T.self, from: data)
    }

    private static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw RequestError(error)
        }
    }

    /// The whole body, at most `limit` bytes.
    func collectBody(limit: Int) async throws -> Data {
        do {
            return Data(buffer: try await body.collect(upTo: limit))
        } catch is NIOTooManyBytesError {
            throw RequestError.tooLarge("this body is limited to \(Self.size(limit))")
        }
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1_048_576 ? "\(bytes / 1_048_576) MB" : bytes >= 1024 ? "\(bytes / 1024) kB" : "\(bytes) bytes"
    }
}

extension Decoder {
    /// Refuses fields the body does not have: a misspelled field would otherwise be ignored and its
    /// intent lost (a filter not applied).
    func refuseUnknownFields<Key: CodingKey & CaseIterable>(_ keys: Key.Type) throws {
        let known = Set(Key.allCases.map(\.stringValue))
        guard let unknown = try unknownKey(among: known) else { return }
        let pointer = jsonPointer(codingPath + [FieldKey(unknown)])
        throw RequestError.malformed(
            "unknown field \(pointer.prefix(100)); the fields are \(Key.allCases.map(\.stringValue).joined(separator: ", "))", field: pointer
        )
    }
}

extension KeyedDecodingContainer {
    /// The field's value, or nil when it is absent. An explicit null is refused (400): no field of
    /// a request body is nullable, and a client that sends null meant something it did not say.
    func decodeOptional<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) {
            let pointer = jsonPointer(codingPath + [key])
            throw RequestError.malformed("\(pointer) must be \(RequestError.jsonType(T.self)), not null", field: pointer)
        }
        return try decode(T.self, forKey: key)
    }

    /// One of a fixed set of words, or nil when absent; another word is a 400 naming the choices.
    func decodeChoice<Choice: RawRepresentable & CaseIterable>(_ type: Choice.Type, forKey key: Key) throws -> Choice?
    where Choice.RawValue == String {
        guard let word = try decodeOptional(String.self, forKey: key) else { return nil }
        guard let choice = Choice(rawValue: word) else {
            let pointer = jsonPointer(codingPath + [key])
            throw RequestError.malformed("\(pointer) must be one of: \(Choice.allCases.map(\.rawValue).joined(separator: ", "))", field: pointer)
        }
        return choice
    }
}

/// A field name as a coding key, for pointers to fields no type declares.
struct FieldKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
