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

    /// Metrics averaged over every query of `qrels` that has a relevant document (a query the run
    /// misses scores 0), as BEIR reports them.
    public static func evaluate(_ run: Run, _ qrels: Qrels) -> Summary {
        var totals = (ndcg: 0.0, recall: 0.0, mrr: 0.0, map: 0.0)
        var count = 0
        for (query, judged) in qrels {
            let relevant = judged.filter { $0.value > 0 }
            guard !relevant.isEmpty else { continue }
            count += 1
            let ranking = ranked(run[query] ?? [:])
            totals.ndcg += ndcg(ranking, judged, cutoff: 10)
            totals.recall += Double(ranking.prefix(100).filter { relevant[$0] != nil }.count) / Double(relevant.count)
            if let first = ranking.prefix(10).firstIndex(where: { relevant[$0] != nil }) { totals.mrr += 1 / Double(first + 1) }
            totals.map += averagePrecision(ranking, relevant: relevant)
        }
        let n = Double(max(count, 1))
        return Summary(ndcgAt10: totals.ndcg / n, recallAt100: totals.recall / n, mrrAt10: totals.mrr / n, map: totals.map / n, queries: count)
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
