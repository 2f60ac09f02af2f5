import Foundation

/// Retrieval metrics as trec_eval (and so pytrec_eval and BEIR) computes them.
///
/// A run ranks each query's documents by score, highest first, ties broken by document id in
/// descending byte order (trec_eval's rule). Relevance comes from graded qrels; a grade above 0
/// is relevant; nDCG's gain is the grade itself with a log2(rank + 1) discount.
public enum RetrievalMetrics {
    public typealias Run = [String: [String: Double]]
    public typealias Qrels = [String: [String: Int]]

    public struct Summary: Sendable, Equatable, Codable {
        public var ndcgAt10: Double
        public var recallAt100: Double
        public var mrrAt10: Double
        public var map: Double
        public var queries: Int

        enum CodingKeys: String, CodingKey {
            case ndcgAt10 = "ndcg@10", recallAt100 = "recall@100", mrrAt10 = "mrr@10", map, queries
        }
    }

    /// One query's metrics, as trec_eval's `-q` reports them.
    public struct QueryScore: Sendable, Equatable, Codable {
        public var query: String
        public var ndcgAt10: Double
        public var recallAt100: Double
        public var mrrAt10: Double
        public var averagePrecision: Double

        enum CodingKeys: String, CodingKey {
            case query, ndcgAt10 = "ndcg@10", recallAt100 = "recall@100", mrrAt10 = "mrr@10", averagePrecision = "ap"
        }
    }

    /// Metrics of every query of `qrels` that has a relevant document (a query the run misses
    /// scores 0), in query-id order.
    public static func perQuery(_ run: Run, _ qrels: Qrels) -> [QueryScore] {
        qrels.keys.sorted().compactMap { query in
            let judged = qrels[query]!
            let relevant = judged.filter { $0.value > 0 }
            guard !relevant.isEmpty else { return nil }
            let ranking = ranked(run[query] ?? [:])
            let firstHit = ranking.prefix(10).firstIndex(where: { relevant[$0] != nil })
            return QueryScore(
                query: query, ndcgAt10: ndcg(ranking, judged, cutoff: 10),
                recallAt100: Double(ranking.prefix(100).filter { relevant[$0] != nil }.count) / Double(relevant.count),
                mrrAt10: firstHit.map { 1 / Double($0 + 1) } ?? 0, averagePrecision: averagePrecision(ranking, relevant: relevant)
            )
        }
    }

    /// Metrics averaged over every query of `qrels` that has a relevant document (a query the run
    /// misses scores 0), as BEIR reports them.
    public static func evaluate(_ run: Run, _ qrels: Qrels) -> Summary {
        let scores = perQuery(run, qrels)
        let n = Double(max(scores.count, 1))
        func mean(_ value: (QueryScore) -> Double) -> Double { scores.reduce(0) { $0 + value($1) } / n }
        return Summary(ndcgAt10: mean(\.ndcgAt10), recallAt100: mean(\.recallAt100), mrrAt10: mean(\.mrrAt10), map: mean(\.averagePrecision),
                       queries: scores.count)
    }

    /// Document ids, best first, in trec_eval's order.
    public static func ranked(_ scores: [String: Double]) -> [String] {
        scores.sorted { $0.value != $1.value ? $0.value > $1.value : $1.key.utf8.lexicographicallyPrecedes($0.key.utf8) }
            .map(\.key)
    }

    static func ndcg(_ ranking: [String], _ judged: [String: Int], cutoff: Int) -> Double {
        func discounted(_ gains: [Int]) -> Double {
            gains.prefix(cutoff).enumerated().reduce(0) { $0 + Double(max($1.element, 0)) / log2(Double($1.offset + 2)) }
        }
        let ideal = discounted(judged.values.filter { $0 > 0 }.sorted(by: >))
        return ideal > 0 ? discounted(ranking.map { judged[$0] ?? 0 }) / ideal : 0
    }

    static func averagePrecision(_ ranking: [String], relevant: [String: Int]) -> Double {
        var found = 0
        var sum = 0.0
        for (index, document) in ranking.enumerated() where relevant[document] != nil {
            found += 1
            sum += Double(found) / Double(index + 1)
        }
        return sum / Double(relevant.count)
    }
}
