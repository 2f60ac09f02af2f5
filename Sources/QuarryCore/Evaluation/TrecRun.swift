/// The TREC run format: `query Q0 document rank score tag`, a line per retrieved document,
/// each query's documents in trec_eval's order (score descending, ties by id descending).
public enum TrecRun {
    public static func format(_ run: RetrievalMetrics.Run, tag: String) -> String {
        var lines: [String] = []
        for query in run.keys.sorted() {
            let scores = run[query]!
            for (rank, document) in RetrievalMetrics.ranked(scores).enumerated() {
                // Swift prints the shortest decimal that reads back as the same Double.
                lines.append("\(query) Q0 \(document) \(rank + 1) \(scores[document]!) \(tag)")
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }
}
