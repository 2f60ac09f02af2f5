import QuarryCore

/// The default answer, no model needed: the sentences of the top chunks that contain the most of
/// the query's terms, each followed by `[n]` for the citation it came from. No sentence with a
/// query term in it means no answer, said plainly rather than guessed.
struct ExtractiveAnswerer: Sendable {
    let analyzer: TextAnalyzer
    /// Chunks whose sentences compete (the best-ranked ones).
    var chunks = 3
    /// Sentences in an answer at most.
    var sentences = 2

    struct Candidate {
        let text: String
        let citation: Int
        let coverage: Double
        let rank: Int
    }

    func answer(query terms: [String], hits: [(text: String, citation: Int)]) -> Answer {
        let wanted = Set(terms)
        guard !wanted.isEmpty else { return Answer(text: Answer.notFound, found: false) }
        var candidates: [Candidate] = []
        for (rank, hit) in hits.prefix(chunks).enumerated() {
            let scalars = Array(hit.text.unicodeScalars)
            for range in SentenceSplitter.sentences(in: scalars, range: 0..<scalars.count) {
                let sentence = String(String.UnicodeScalarView(scalars[range]))
                let matched = Set(analyzer.terms(sentence)).intersection(wanted)
                guard !matched.isEmpty else { continue }
                candidates.append(Candidate(text: sentence, citation: hit.citation, coverage: Double(matched.count) / Double(wanted.count), rank: rank))
            }
        }
        let best = candidates.sorted { $0.coverage != $1.coverage ? $0.coverage > $1.coverage : $0.rank < $1.rank }
        guard let top = best.first else { return Answer(text: Answer.notFound, found: false) }
        // A second sentence only when it is nearly as good: more text, not more noise.
        let chosen = best.prefix(sentences).filter { $0.coverage >= top.coverage * 0.75 }
        return Answer(text: chosen.map { "\($0.text) [\($0.citation)]" }.joined(separator: " "), found: true)
    }
}
