import Foundation
import Hummingbird
import QuarryCore

/// A document as clients see it: its record, and progress through the stages.
struct DocumentBody: ResponseEncodable {
    let id: String
    let title: String?
    let source: SourceBody
    let status: String
    let error: String?
    let metadata: [String: String]
    let pages: Int
    let progress: ProgressBody
    let createdAt: Date
    let updatedAt: Date
    let statusUrl: String

    struct SourceBody: Encodable {
        let uri: String
        let filename: String?
        let mediaType: String

        enum CodingKeys: String, CodingKey { case uri, filename, mediaType = "media_type" }
    }

    struct ProgressBody: Encodable {
        let chunks: Int
        let chunksIndexed: Int
        /// Stages done out of queued → parsing → chunking → embedding → indexed.
        let stage: Int
        let stages: Int

        enum CodingKeys: String, CodingKey { case chunks, chunksIndexed = "chunks_indexed", stage, stages }
    }

    enum CodingKeys: String, CodingKey {
        case id, title, source, status, error, metadata, pages, progress, createdAt = "created_at", updatedAt = "updated_at", statusUrl = "status_url"
    }

    init(_ record: DocumentRecord) {
        id = record.id
        title = record.title
        source = SourceBody(uri: record.source.uri, filename: record.source.filename, mediaType: record.source.mediaType.rawValue)
        status = record.status.rawValue
        error = record.error
        metadata = record.metadata
        pages = record.pages
        let order: [Document.Status] = [.queued, .parsing, .chunking, .embedding, .indexed]
        progress = ProgressBody(chunks: record.chunks, chunksIndexed: record.chunksIndexed,
                                stage: order.firstIndex(of: record.status) ?? 0, stages: order.count - 1)
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        statusUrl = Self.statusURL(record.id)
    }

    static func statusURL(_ id: String) -> String { "/api/v1/documents/\(id)" }
}

struct DocumentList: ResponseEncodable {
    let documents: [DocumentBody]
    let limit: Int
    let offset: Int
}

/// `POST /api/v1/documents` as JSON: a document to fetch.
struct URLSubmission: Decodable {
    let url: String

    enum CodingKeys: String, CodingKey, CaseIterable { case url }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        url = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .url)
    }
}
