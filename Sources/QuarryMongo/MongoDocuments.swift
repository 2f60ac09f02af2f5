import Foundation
import QuarryCore

/// The shapes MongoDocumentStore reads and writes (all encoded with sorted keys, see ExtendedJSON).

/// A record's or chunk's `_id`: `<tenant as hex>/<id>`, one string that no two (tenant, id)
/// pairs share. A scalar `_id` is what every MongoDB-compatible server looks up fastest (an
/// embedded-document `_id` made SecantusDB scan whole collections).
func key(_ id: String, tenant: String) -> String { Hex.encode(tenant.utf8) + "/" + id }

/// The fields of a stored record that ``DocumentStore/labels(_:tenant:)`` projects.
struct StoredLabel: Decodable, Sendable {
    let id: String
    let title: String?
    let sourceUri: String
}

/// The fields of a stored record that ``DocumentStore/progress(_:tenant:)`` projects.
struct StoredProgress: Decodable, Sendable {
    let id: String
    let status: Document.Status
    let error: String?
    let pages: Int
    let chunks: Int
    let updatedAt: Date
}

/// A document record as stored: its fields at the top level, so operators can query them, with
/// metadata as `{key, value}` pairs (keys are the user's and may hold `.` or `$`).
struct StoredRecord: Codable, Sendable {
    let _id: String
    let id: String
    let tenant: String
    let sourceUri: String
    let source: Document.Source
    let title: String?
    let status: Document.Status
    let error: String?
    let metadata: [Pair<String>]
    let pages: Int
    let chunks: Int
    let chunksIndexed: Int
    let createdAt: Date
    let updatedAt: Date

    init(_ record: DocumentRecord) {
        _id = key(record.id, tenant: record.tenant)
        id = record.id
        tenant = record.tenant
        sourceUri = record.source.uri
        source = record.source
        title = record.title
        status = record.status
        error = record.error
        metadata = Pair.list(record.metadata)
        pages = record.pages
        chunks = record.chunks
        chunksIndexed = record.chunksIndexed
        createdAt = record.createdAt
        updatedAt = record.updatedAt
    }

    var record: DocumentRecord {
        DocumentRecord(
            id: id, tenant: tenant, source: source, title: title, status: status, error: error,
            metadata: Pair.dictionary(metadata),
            pages: pages, chunks: chunks, chunksIndexed: chunksIndexed, createdAt: createdAt, updatedAt: updatedAt
        )
    }
}

/// A dictionary entry whose key is a user's (metadata names, node ids): stored as a value, never
/// as a field name, since it may hold `.` or `$`.
struct Pair<Value: Codable & Sendable>: Codable, Sendable {
    let key: String
    let value: Value

    /// The entries sorted by key, so equal dictionaries store alike.
    static func list(_ dictionary: [String: Value]) -> [Pair] {
        dictionary.sorted { $0.key < $1.key }.map { Pair(key: $0.key, value: $0.value) }
    }

    static func dictionary(_ pairs: [Pair]) -> [String: Value] {
        Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}

struct StoredChunk: Codable, Sendable {
    let _id: String
    let tenant: String
    let documentId: String
    let chunk: Chunk
}

// Filters and options.
struct ByKey: Encodable { let _id: String }
struct ByTenant: Encodable { let tenant: String }
struct BySource: Encodable {
    let tenant: String
    let sourceUri: String
}

struct ChunksOf: Encodable {
    let tenant: String
    let documentId: String
}

struct ByKeys: Encodable {
    struct In: Encodable {
        let `in`: [String]
        enum CodingKeys: String, CodingKey { case `in` = "$in" }
    }

    let _id: In
}

struct Limit: Encodable { let limit: Int }

/// JSON written by hand where key order matters (sort specifications, index keys); only numbers
/// are ever interpolated into it.
struct RawJSON: Encodable, Sendable {
    let json: Data
}

/// A value stored as it encodes itself, its fields at the top level beside an `_id`: for shapes
/// whose field names are all Quarry's own (no user keys that could hold `.` or `$`).
struct Keyed<Value: Codable & Sendable>: Codable, Sendable {
    let _id: String
    let value: Value

    init(_ id: String, _ value: Value) {
        _id = id
        self.value = value
    }

    enum CodingKeys: String, CodingKey { case _id }

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(_id, forKey: ._id)
    }

    init(from decoder: any Decoder) throws {
        value = try Value(from: decoder)
        _id = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: ._id)
    }
}
