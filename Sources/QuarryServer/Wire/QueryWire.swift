import Foundation
import Hummingbird
import QuarryCore
import QuarryEngine

/// `POST /api/v1/rag/query`'s body. `stream` is the HTTP layer's own choice; the rest is the
/// engine's ``QueryRequest``.
struct QueryRequestBody: Decodable {
    let request: QueryRequest
    let stream: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case query, topK = "top_k", mode, answer, documentIds = "document_ids", filters, stream
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        request = QueryRequest(
            query: try container.decode(String.self, forKey: .query),
            topK: try container.decodeOptional(Int.self, forKey: .topK) ?? QueryRequest.defaultTopK,
            mode: try container.decodeChoice(RetrievalMode.self, forKey: .mode) ?? .hybrid,
            answer: try container.decodeChoice(QueryRequest.AnswerMode.self, forKey: .answer) ?? .extractive,
            documentIds: try container.decodeOptional([String].self, forKey: .documentIds),
            metadata: try container.decodeOptional([String: String].self, forKey: .filters) ?? [:]
        )
        stream = try container.decodeOptional(Bool.self, forKey: .stream) ?? false
    }
}

/// An answer with its citations, hits and timings, as clients see it (the JSON answer, the
/// stream's `done` event, and `quarry ask --json`).
public struct QueryResponseBody: ResponseEncodable {
    let query: String
    /// Absent when the request asked for `answer: "none"`.
    let answer: AnswerBody?
    let citations: [CitationBody]
    let hits: [HitBody]
    /// Milliseconds per stage, and `total`.
    let timings: [String: Double]
    let cached: Bool

    public init(_ response: QueryResponse) {
        query = response.query
        answer = response.answer.map(AnswerBody.init)
        citations = response.citations.map(CitationBody.init)
        hits = response.hits.map(HitBody.init)
        timings = response.timings
        cached = response.cached
    }
}

struct AnswerBody: Encodable {
    let text: String
    let found: Bool

    init(_ answer: Answer) {
        text = answer.text
        found = answer.found
    }
}

/// Where an answer's `[n]` points: a place in a document, with the boxes of the cited lines.
struct CitationBody: Encodable {
    let number: Int
    let documentId: String
    let title: String?
    let source: String
    let page: Int
    let charStart: Int
    let charEnd: Int
    let snippet: String
    let score: Double
    let boxes: [BoxBody]

    enum CodingKeys: String, CodingKey {
        case number, documentId = "document_id", title, source, page, charStart = "char_start", charEnd = "char_end", snippet, score, boxes
    }

    init(_ citation: Citation) {
        number = citation.number
        documentId = citation.documentId
        title = citation.title
        source = citation.source
        page = citation.page
        charStart = citation.charStart
        charEnd = citation.charEnd
        snippet = citation.snippet
        score = citation.score
        boxes = citation.boxes.map(BoxBody.init)
    }
}

/// A rectangle on a page in PDF points, origin at the top left.
struct BoxBody: Encodable {
    let page: Int
    let x0: Double
    let y0: Double
    let x1: Double
    let y1: Double

    init(_ box: Box) {
        (page, x0, y0, x1, y1) = (box.page, box.x0, box.y0, box.x1, box.y1)
    }
}

/// One retrieved chunk.
struct HitBody: Encodable {
    let chunkId: String
    let documentId: String
    let title: String?
    let score: Double
    let text: String
    let headingPath: [String]
    let pageStart: Int
    let pageEnd: Int

    enum CodingKeys: String, CodingKey {
        case chunkId = "chunk_id", documentId = "document_id", title, score, text, headingPath = "heading_path", pageStart = "page_start", pageEnd = "page_end"
    }

    init(_ hit: QueryHit) {
        chunkId = hit.chunkId
        documentId = hit.documentId
        title = hit.title
        score = hit.score
        text = hit.text
        headingPath = hit.headingPath
        pageStart = hit.pageStart
        pageEnd = hit.pageEnd
    }
}
