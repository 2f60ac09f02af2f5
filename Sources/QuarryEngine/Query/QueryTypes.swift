import QuarryCore

/// What a caller asks (`POST /api/v1/rag/query`, `quarry ask`).
public struct QueryRequest: Sendable, Equatable {
    public enum AnswerMode: String, Sendable, Codable, CaseIterable {
        case extractive, llm, none
    }

    public var query: String
    public var topK: Int
    public var mode: RetrievalMode
    public var answer: AnswerMode
    public var documentIds: [String]?
    /// Only chunks whose document metadata has all these values.
    public var metadata: [String: String]

    public static let defaultTopK = 5
    public static let maxTopK = 100
    /// Longer queries are refused: nobody types them, and they cost the encoder its full 256 tokens.
    public static let maxQueryCharacters = 2000
    /// Each id is a lookup before the search: a list this long is already a whole corpus's worth.
    public static let maxDocumentIds = 1000
    /// Metadata filters: pairs, and code points per key and per value.
    public static let maxFilters = 32
    public static let maxFilterKeyCharacters = 128
    public static let maxFilterValueCharacters = 1024

    public init(query: String, topK: Int = defaultTopK, mode: RetrievalMode = .hybrid, answer: AnswerMode = .extractive,
                documentIds: [String]? = nil, metadata: [String: String] = [:]) {
        self.query = query
        self.topK = topK
        self.mode = mode
        self.answer = answer
        self.documentIds = documentIds
        self.metadata = metadata
    }
}

/// Why a query was refused, or failed; each says what to change.
public enum QueryError: Error, Equatable, CustomStringConvertible {
    case emptyQuery
    case queryTooLong(Int)
    case topK(Int)
    case answerModeUnavailable(String)
    case unknownDocuments([String])
    case tooManyDocuments(Int)
    /// Too many filters, or one whose key or value is too long: why.
    case filters(String)
    /// The LLM endpoint failed while answering.
    case modelFailed(String)

    public var description: String {
        switch self {
        case .emptyQuery: "query is empty"
        case .queryTooLong(let count): "query is \(count) characters long; at most \(QueryRequest.maxQueryCharacters) are accepted"
        case .topK(let value): "top_k is \(value); it must be between 1 and \(QueryRequest.maxTopK)"
        case .unknownDocuments(let ids): "unknown document ids: \(ids.prefix(20).map { String($0.prefix(100)) }.joined(separator: ", "))"
        case .tooManyDocuments(let count): "document_ids has \(count) ids; at most \(QueryRequest.maxDocumentIds) are accepted"
        case .filters(let reason): reason
        case .answerModeUnavailable(let mode): "answer \"\(mode)\" is not available on this server (no llm_url configured); use extractive or none"
        case .modelFailed(let reason): "the language model failed to answer: \(reason)"
        }
    }
}

/// One retrieved chunk.
public struct QueryHit: Sendable, Codable, Equatable {
    public var chunkId: String
    public var documentId: String
    public var title: String?
    public var score: Double
    public var text: String
    public var headingPath: [String]
    public var pageStart: Int
    public var pageEnd: Int
}

/// Where an answer's `[n]` points: a place in a document.
public struct Citation: Sendable, Codable, Equatable {
    public var number: Int
    public var documentId: String
    public var title: String?
    public var source: String
    public var page: Int
    /// Unicode-scalar offsets into the page's text, end exclusive.
    public var charStart: Int
    public var charEnd: Int
    /// The cited text with the query's terms marked `<mark>…</mark>`.
    public var snippet: String
    public var score: Double
    public var boxes: [Box]
}

public struct Answer: Sendable, Codable, Equatable {
    /// The answer, with `[n]` markers; the "no answer" sentence when `found` is false.
    public var text: String
    public var found: Bool
    public static let notFound = "No answer found in the indexed documents."
}

/// What a streaming query reports as it goes: the retrieved sources first, then the answer's text
/// in pieces (one piece for an extractive answer).
public enum QueryEvent: Sendable {
    case retrieved(citations: [Citation], hits: [QueryHit])
    case answerText(String)
}

public struct QueryResponse: Sendable, Codable, Equatable {
    public var query: String
    public var answer: Answer?
    public var citations: [Citation]
    public var hits: [QueryHit]
    /// Milliseconds per stage, and `total`.
    public var timings: [String: Double]
    public var cached: Bool
}
