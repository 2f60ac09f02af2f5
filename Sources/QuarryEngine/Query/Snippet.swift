import QuarryCore

/// Marks the words of a text whose BM25 term is one of the query's: `<mark>word</mark>`.
enum Snippet {
    static func mark(_ text: String, terms: Set<String>, analyzer: TextAnalyzer) -> String {
        guard !terms.isEmpty else { return text }
        var result = ""
        var word = ""
        func flush() {
            guard !word.isEmpty else { return }
            let matched = analyzer.terms(word).contains { terms.contains($0) }
            result += matched ? "<mark>" + word + "</mark>" : word
            word = ""
        }
        for character in text {
            if character.unicodeScalars.allSatisfy(TextAnalyzer.isWordScalar) {
                word.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }
}
