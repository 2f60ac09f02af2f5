/// Combines ranked lists from several retrievers (dense and BM25) into one ranking.
public enum Fusion: Sendable, Equatable, Codable {
    /// Hybrid retrieval's default: an equal-weight convex combination of min–max normalised
    /// scores. Bruch, Gai and Ingber ("An Analysis of Fusion Functions for Hybrid Retrieval",
    /// ACM TOIS 2023) found it ahead of RRF in and out of domain and insensitive to the weight;
    /// equal weights take no side. On SciFact it measured 0.725 nDCG@10 against RRF's 0.708
    /// (eval/results); both are untuned.
    public static let standard = Fusion.weighted([0.5, 0.5])

    /// Reciprocal rank fusion: `Σ 1 / (k + rank)` over the lists an item appears in (rank from 1).
    /// k = 60 is Cormack, Clarke and Büttcher's (SIGIR 2009) value, used unchanged since.
    case reciprocalRank(k: Double = 60)
    /// Each list's scores min–max normalised to [0, 1], then summed with these weights
    /// (an item missing from a list gets 0 from it).
    case weighted([Double])

    /// The fused ranking of `lists` (each best first), best first; ties go to the earlier first
    /// appearance, so the result is deterministic.
    public func fuse<Key: Hashable>(_ lists: [[(key: Key, score: Double)]]) -> [(key: Key, score: Double)] {
        var scores: [Key: Double] = [:]
        var order: [Key] = []
        for (listIndex, list) in lists.enumerated() {
            let contribution: (Int, Double) -> Double
            switch self {
            case .reciprocalRank(let k):
                contribution = { rank, _ in 1 / (k + Double(rank + 1)) }
            case .weighted(let weights):
                let weight = listIndex < weights.count ? weights[listIndex] : 0
                let high = list.map(\.score).max() ?? 0, low = list.map(\.score).min() ?? 0
                contribution = { _, score in weight * (high > low ? (score - low) / (high - low) : 1) }
            }
            for (rank, item) in list.enumerated() {
                if scores[item.key] == nil { order.append(item.key) }
                scores[item.key, default: 0] += contribution(rank, item.score)
            }
        }
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return order.map { (key: $0, score: scores[$0]!) }.sorted {
            $0.score != $1.score ? $0.score > $1.score : position[$0.key]! < position[$1.key]!
        }
    }
}
