import QuarryCore

/// A citation's snippet: the part of a chunk around most of the query's terms, at most
/// `maximumLength` characters, with every word whose BM25 term is one of the query's marked
/// `<mark>word</mark>`; `…` where the chunk's text goes on.
enum Snippet {
    static let maximumLength = 320

    /// `seen` remembers, word by word, whether a word's term is one of `terms`: the chunks of one
    /// answer share most of their words, so one table serves all their snippets.
    static func mark(_ text: String, terms: Set<String>, analyzer: TextAnalyzer, seen: inout [String: Bool]) -> String {
        var text = text
        return text.withUTF8 { mark($0, terms: terms, analyzer: analyzer, seen: &seen) }
    }

    /// The snippet of the text whose UTF-8 is `utf8`; it is read and copied as bytes, and measured
    /// and cut in scalars.
    private static func mark(_ utf8: UnsafeBufferPointer<UInt8>, terms: Set<String>, analyzer: TextAnalyzer,
                             seen: inout [String: Bool]) -> String {
        // Porter's stemmer rewrites only suffixes: a term starts with its word's first two
        // letters (or is one letter long). Words that start otherwise cannot match and are not
        // analysed — most of a chunk's words, and stemming is what a snippet costs.
        // A handful: an array is searched faster than a set is hashed.
        let openings = Array(Set(terms.map { term in
            let scalars = Array(term.unicodeScalars.prefix(2))
            return Self.opening(scalars[0].value, scalars.count > 1 ? scalars[1].value : nil)
        }))
        func couldMatch(_ word: TextAnalyzer.Word) -> Bool {
            let first = UInt32(utf8[word.bytes.lowerBound])
            let second = word.scalars.count > 1 ? UInt32(utf8[word.bytes.lowerBound + 1]) : nil
            guard first < 0x80, (second ?? 0) < 0x80 else { return true }  // lower-casing beyond ASCII: let the analyser judge
            let lower = { (value: UInt32) in (0x41...0x5A).contains(value) ? value | 0x20 : value }
            return openings.contains(Self.opening(lower(first), second.map(lower))) || openings.contains(Self.opening(lower(first), nil))
        }
        // Matched words as scalar ranges; each distinct word analysed once.
        var matches: [Range<Int>] = []
        TextAnalyzer.forEachWord(in: utf8) { word in
            guard couldMatch(word) else { return }
            let string = word.string(in: utf8)
            let matched = seen[string] ?? {
                let value = analyzer.terms(string).contains { terms.contains($0) }
                seen[string] = value
                return value
            }()
            if matched { matches.append(word.scalars) }
        }

        // The byte offset of every scalar, and of the end.
        var starts: [Int] = []
        starts.reserveCapacity(utf8.count + 1)
        for (offset, byte) in utf8.enumerated() where byte & 0xC0 != 0x80 { starts.append(offset) }
        starts.append(utf8.count)
        let window = Self.window(utf8, starts: starts, matches: matches)
        var result: [UInt8] = []
        result.reserveCapacity(starts[window.upperBound] - starts[window.lowerBound] + matches.count * 13 + 6)
        func append(_ scalars: Range<Int>) { result.append(contentsOf: utf8[starts[scalars.lowerBound]..<starts[scalars.upperBound]]) }
        if window.lowerBound > 0 { result.append(contentsOf: "…".utf8) }
        var position = window.lowerBound
        for match in matches where match.lowerBound >= window.lowerBound && match.upperBound <= window.upperBound {
            append(position..<match.lowerBound)
            result.append(contentsOf: "<mark>".utf8)
            append(match)
            result.append(contentsOf: "</mark>".utf8)
            position = match.upperBound
        }
        append(position..<window.upperBound)
        if window.upperBound < starts.count - 1 { result.append(contentsOf: "…".utf8) }
        return String(decoding: result, as: UTF8.self)
    }

    /// One or two scalars as one number, for the test above.
    static func opening(_ first: UInt32, _ second: UInt32?) -> UInt64 {
        UInt64(first) << 32 | UInt64(second ?? 0xFFFF_FFFF)
    }

    /// The stretch of at most `maximumLength` scalars that holds the most matches, starting a
    /// little before the first of them; where it cuts the text, it cuts at spaces, not inside
    /// words. `starts` holds the byte offset of every scalar of `utf8` and of its end.
    static func window(_ utf8: UnsafeBufferPointer<UInt8>, starts: [Int], matches: [Range<Int>]) -> Range<Int> {
        let length = starts.count - 1
        guard length > maximumLength else { return 0..<length }
        let lead = 60
        var lower = 0, upper = maximumLength, bestCount = 0
        for anchor in matches {
            let start = max(0, min(anchor.lowerBound - lead, length - maximumLength))
            let count = matches.count(where: { $0.lowerBound >= start && $0.upperBound <= start + maximumLength })
            if count > bestCount { (lower, upper, bestCount) = (start, start + maximumLength, count) }
        }
        let isSpace = { (index: Int) in TextAnalyzer.scalar(in: utf8, at: starts[index]).0.properties.isWhitespace }
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
