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
            for range in Self.sentences(hit.text) {
                let scalars = range.scalars
                let sentence = String(String.UnicodeScalarView(scalars[range.range]))
                let matched = Set(analyzer.terms(sentence)).intersection(wanted)
                guard !matched.isEmpty else { continue }
                candidates.append(Candidate(text: sentence, citation: hit.citation, coverage: Double(matched.count) / Double(wanted.count), rank: rank))
            }
        }
        let best = candidates.sorted { $0.coverage != $1.coverage ? $0.coverage > $1.coverage : $0.rank < $1.rank }
        guard let top = best.first else { return Answer(text: Answer.notFound, found: false) }
        // A second sentence only when it is nearly as good: more text, not more noise. Sentences
        // from one citation share its marker.
        let chosen = best.prefix(sentences).filter { $0.coverage >= top.coverage * 0.75 }
        var parts: [String] = []
        for (index, candidate) in chosen.enumerated() {
            let next = index + 1 < chosen.count ? chosen[index + 1].citation : nil
            parts.append(next == candidate.citation ? candidate.text : "\(candidate.text) [\(candidate.citation)]")
        }
        return Answer(text: parts.joined(separator: " "), found: true)
    }

    /// Sentences of a chunk's text: lines first (a heading, a list item, a table row is a line of
    /// its own), then sentences within each line.
    static func sentences(_ text: String) -> [(scalars: [Unicode.Scalar], range: Range<Int>)] {
        let scalars = Array(text.unicodeScalars)
        var result: [(scalars: [Unicode.Scalar], range: Range<Int>)] = []
        var lineStart = 0
        for index in 0...scalars.count where index == scalars.count || scalars[index] == "\n" {
            for range in SentenceSplitter.sentences(in: scalars, range: lineStart..<index) { result.append((scalars, range)) }
            lineStart = index + 1
        }
        return result
    }
}
