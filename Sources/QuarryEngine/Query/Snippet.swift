import QuarryCore

/// A citation's snippet: the part of a chunk around most of the query's terms, at most
/// `maximumLength` characters, with every word whose BM25 term is one of the query's marked
/// `<mark>word</mark>`; `…` where the chunk's text goes on.
enum Snippet {
    static let maximumLength = 320

    /// `seen` remembers, word by word, whether a word's term is one of `terms`: the chunks of one
    /// answer share most of their words, so one table serves all their snippets.
    static func mark(_ text: String, terms: Set<String>, analyzer: TextAnalyzer, seen: inout [String: Bool]) -> String {
        let scalars = Array(text.unicodeScalars)
        // Porter's stemmer rewrites only suffixes: a term starts with its word's first two
        // letters (or is one letter long). Words that start otherwise cannot match and are not
        // analysed — most of a chunk's words, and stemming is what a snippet costs.
        let openings = Set(terms.map { term in
            let scalars = Array(term.unicodeScalars.prefix(2))
            return Self.opening(scalars[0].value, scalars.count > 1 ? scalars[1].value : nil)
        })
        func couldMatch(_ word: ArraySlice<Unicode.Scalar>) -> Bool {
            let first = word[word.startIndex].value, second = word.count > 1 ? word[word.startIndex + 1].value : nil
            guard first < 0x80, (second ?? 0) < 0x80 else { return true }  // lower-casing beyond ASCII: let the analyser judge
            let lower = { (value: UInt32) in (0x41...0x5A).contains(value) ? value | 0x20 : value }
            return openings.contains(Self.opening(lower(first), second.map(lower))) || openings.contains(Self.opening(lower(first), nil))
        }
        // Matched words as scalar ranges; each distinct word analysed once.
        var matches: [Range<Int>] = []
        var start: Int?
        for index in 0...scalars.count {
            if index < scalars.count, TextAnalyzer.isWordScalar(scalars[index]) {
                if start == nil { start = index }
                continue
            }
            guard let wordStart = start else { continue }
            start = nil
            guard couldMatch(scalars[wordStart..<index]) else { continue }
            let word = String(String.UnicodeScalarView(scalars[wordStart..<index]))
            let matched = seen[word] ?? {
                let value = analyzer.terms(word).contains { terms.contains($0) }
                seen[word] = value
                return value
            }()
            if matched { matches.append(wordStart..<index) }
        }

        let window = Self.window(scalars, matches: matches)
        var result = window.lowerBound > 0 ? "…" : ""
        var position = window.lowerBound
        func append(_ range: Range<Int>) { result.unicodeScalars.append(contentsOf: scalars[range]) }
        for match in matches where match.lowerBound >= window.lowerBound && match.upperBound <= window.upperBound {
            append(position..<match.lowerBound)
            result += "<mark>"
            append(match)
            result += "</mark>"
            position = match.upperBound
        }
        append(position..<window.upperBound)
        if window.upperBound < scalars.count { result += "…" }
        return result
    }

    /// One or two scalars as one number, for the test above.
    static func opening(_ first: UInt32, _ second: UInt32?) -> UInt64 {
        UInt64(first) << 32 | UInt64(second ?? 0xFFFF_FFFF)
    }

    /// The stretch of at most `maximumLength` that holds the most matches, starting a little
    /// before the first of them; where it cuts the text, it cuts at spaces, not inside words.
    static func window(_ scalars: [Unicode.Scalar], matches: [Range<Int>]) -> Range<Int> {
        let length = scalars.count
        guard length > maximumLength else { return 0..<length }
        let lead = 60
        var lower = 0, upper = maximumLength, bestCount = 0
        for anchor in matches {
            let start = max(0, min(anchor.lowerBound - lead, length - maximumLength))
            let count = matches.count(where: { $0.lowerBound >= start && $0.upperBound <= start + maximumLength })
            if count > bestCount { (lower, upper, bestCount) = (start, start + maximumLength, count) }
        }
        let isSpace = { (index: Int) in scalars[index].properties.isWhitespace }
        if lower > 0 {
            var cut = lower
            while cut < upper, !isSpace(cut - 1) { cut += 1 }
            if cut < upper { lower = cut }
        }
        if upper < length {
            var cut = upper
            while cut > lower, !isSpace(cut) { cut -= 1 }
            if cut > lower { upper = cut }
        }
        return lower..<upper
    }
}
