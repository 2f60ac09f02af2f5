import Foundation
import Hummingbird
import QuarryCore

/// One `quarry eval` run as clients read it: its name (the record's file stem), its metrics and,
/// read alone, each query's scores and best passages. Metric names are snake_case here
/// (`ndcg_at_10`), as everywhere in the API; the record file keeps BEIR's (`ndcg@10`).
struct EvalRunBody: ResponseEncodable {
    let name: String
    let dataset: String
    let mode: String
    let writtenAt: Date
    let vectorStore: String
    let metrics: MetricsBody
    let documents: Int
    let chunks: Int
    let indexSeconds: Double
    let querySeconds: Double
    let queries: [QueryBody]?

    enum CodingKeys: String, CodingKey {
        case name, dataset, mode, metrics, documents, chunks, queries
        case writtenAt = "written_at", vectorStore = "vector_store", indexSeconds = "index_seconds", querySeconds = "query_seconds"
    }

    struct MetricsBody: Encodable {
        let ndcgAt10: Double
        let recallAt100: Double
        let mrrAt10: Double
        let map: Double
        let queries: Int

        enum CodingKeys: String, CodingKey { case ndcgAt10 = "ndcg_at_10", recallAt100 = "recall_at_100", mrrAt10 = "mrr_at_10", map, queries }
    }

    struct QueryBody: Encodable {
        let id: String
        let text: String
        let ndcgAt10: Double
        let recallAt100: Double
        let mrrAt10: Double
        let averagePrecision: Double
        let relevant: [String]
        let top: [RankedBody]

        enum CodingKeys: String, CodingKey {
            case id, text, relevant, top, ndcgAt10 = "ndcg_at_10", recallAt100 = "recall_at_100", mrrAt10 = "mrr_at_10", averagePrecision = "average_precision"
        }
    }

    struct RankedBody: Encodable {
        let document: String
        let score: Double
        let grade: Int
    }

    init(name: String, record: EvalRecord) {
        self.name = name
        dataset = record.dataset
        mode = record.mode
        writtenAt = record.writtenAt
        vectorStore = record.vectorStore
        let m = record.metrics
        metrics = MetricsBody(ndcgAt10: m.ndcgAt10, recallAt100: m.recallAt100, mrrAt10: m.mrrAt10, map: m.map, queries: m.queries)
        documents = record.documents
        chunks = record.chunks
        indexSeconds = record.indexSeconds
        querySeconds = record.querySeconds
        queries = record.queries?.map { query in
            QueryBody(id: query.id, text: query.text, ndcgAt10: query.scores.ndcgAt10, recallAt100: query.scores.recallAt100,
                      mrrAt10: query.scores.mrrAt10, averagePrecision: query.scores.averagePrecision, relevant: query.relevant,
                      top: query.top.map { RankedBody(document: $0.document, score: $0.score, grade: $0.grade) })
        }
    }
}

struct EvalRunList: ResponseEncodable {
    let runs: [EvalRunBody]
}
