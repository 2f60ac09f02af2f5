import Foundation

/// One `quarry eval` run as it is kept beside its report (`DATASET-MODE.json`), for the web UI's
/// eval page: its metrics, and each query's, with the passages it ranked first.
public struct EvalRecord: Sendable, Equatable, Codable {
    public var dataset: String
    /// The variant: `hybrid`, `dense`, `sparse`, `hybrid-rrf`.
    public var mode: String
    public var writtenAt: Date
    public var vectorStore: String
    public var metrics: RetrievalMetrics.Summary
    public var documents: Int
    public var chunks: Int
    public var indexSeconds: Double
    public var querySeconds: Double
    /// Left out of lists.
    public var queries: [Query]?

    public struct Query: Sendable, Equatable, Codable {
        public var id: String
        public var text: String
        public var scores: RetrievalMetrics.QueryScore
        /// The judged relevant passages.
        public var relevant: [String]
        /// The ten passages ranked first, with their grades (0: judged irrelevant or not judged).
        public var top: [Ranked]

        public init(id: String, text: String, scores: RetrievalMetrics.QueryScore, relevant: [String], top: [Ranked]) {
            self.id = id
            self.text = text
            self.scores = scores
            self.relevant = relevant
            self.top = top
        }
    }

    public struct Ranked: Sendable, Equatable, Codable {
        public var document: String
        public var score: Double
        public var grade: Int

        public init(document: String, score: Double, grade: Int) {
            self.document = document
            self.score = score
            self.grade = grade
        }
    }

    enum CodingKeys: String, CodingKey {
        case dataset, mode, metrics, documents, chunks, queries
        case writtenAt = "written_at", vectorStore = "vector_store", indexSeconds = "index_seconds", querySeconds = "query_seconds"
    }

    public init(dataset: String, mode: String, writtenAt: Date, vectorStore: String, metrics: RetrievalMetrics.Summary, documents: Int, chunks: Int,
                indexSeconds: Double, querySeconds: Double, queries: [Query]?) {
        self.dataset = dataset
        self.mode = mode
        self.writtenAt = writtenAt
        self.vectorStore = vectorStore
        self.metrics = metrics
        self.documents = documents
        self.chunks = chunks
        self.indexSeconds = indexSeconds
        self.querySeconds = querySeconds
        self.queries = queries
    }

    /// The record of a run: each judged query's scores and its ten best passages.
    public init(dataset name: String, mode: String, run: RetrievalMetrics.Run, qrels: RetrievalMetrics.Qrels, queryTexts: [String: String],
                metrics: RetrievalMetrics.Summary, documents: Int, chunks: Int, indexSeconds: Double, querySeconds: Double, vectorStore: String,
                writtenAt: Date = Date()) {
        let queries = RetrievalMetrics.perQuery(run, qrels).map { score in
            let judged = qrels[score.query] ?? [:]
            let scores = run[score.query] ?? [:]
            return Query(
                id: score.query, text: queryTexts[score.query] ?? "", scores: score,
                relevant: judged.filter { $0.value > 0 }.keys.sorted(),
                top: RetrievalMetrics.ranked(scores).prefix(10).map { Ranked(document: $0, score: scores[$0] ?? 0, grade: judged[$0] ?? 0) }
            )
        }
        self.init(dataset: name, mode: mode, writtenAt: writtenAt, vectorStore: vectorStore, metrics: metrics, documents: documents, chunks: chunks,
                  indexSeconds: indexSeconds, querySeconds: querySeconds, queries: queries)
    }

    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
