/// Finds sentence boundaries in prose: after `.`, `!` or `?` (and any closing quotes or brackets)
/// followed by whitespace and a likely sentence start, except after common abbreviations and initials.
/// Deliberately simple and predictable; it only decides where a long paragraph may be cut.
public enum SentenceSplitter {
    /// Lower-cased words that end with a period without ending a sentence.
    static let abbreviations: Set<String> = [
        "e.g", "i.e", "al", "fig", "figs", "eq", "eqs", "dr", "mr", "mrs", "ms", "prof", "vs", "cf", "no",
        "vol", "pp", "approx", "st", "jr", "sr", "inc", "ltd", "sec", "ch", "resp", "ca", "viz", "ref", "refs",
    ]

    /// The sentences of `text[range]` as ranges, leading and trailing whitespace excluded.
    public static func sentences(in text: [Unicode.Scalar], range: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = range.lowerBound
        var index = range.lowerBound
        while index < range.upperBound {
            let scalar = text[index]
            if scalar == "." || scalar == "!" || scalar == "?" || scalar == "。" || scalar == "！" || scalar == "？" {
                var end = index + 1
                while end < range.upperBound, isClosing(text[end]) { end += 1 }
                if isBoundary(text, sentenceStart: start, punctuation: index, after: end, limit: range.upperBound) {
                    appendTrimmed(text, start..<end, to: &result)
                    start = end
                }
                index = end
            } else {
                index += 1
            }
        }
        appendTrimmed(text, start..<range.upperBound, to: &result)
        return result
    }

    private static func isBoundary(_ text: [Unicode.Scalar], sentenceStart: Int, punctuation: Int, after: Int, limit: Int) -> Bool {
        // Ideographic full stops need no space after them.
        if text[punctuation].value > 0x3000 { return true }
        guard after < limit, isSpace(text[after]) else { return after >= limit }
        var next = after
        while next < limit, isSpace(text[next]) { next += 1 }
        guard next < limit else { return true }
        let following = text[next]
        if following.properties.isLowercase { return false }
        guard text[punctuation] == "." else { return true }
        // The word before the period: an abbreviation or an initial does not end a sentence.
        var wordStart = punctuation
        while wordStart > sentenceStart, !isSpace(text[wordStart - 1]), text[wordStart - 1] != "(" { wordStart -= 1 }
        let word = String(String.UnicodeScalarView(text[wordStart..<punctuation])).lowercased()
        if abbreviations.contains(word) { return false }
        if word.unicodeScalars.count == 1, word.unicodeScalars.first!.properties.isAlphabetic { return false }
        return true
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\n" || scalar == "\t" || scalar == "\r" || scalar.properties.isWhitespace
    }

    private static func isClosing(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\"", "'", ")", "]", "}", "\u{201D}", "\u{2019}", "\u{00BB}": true
        default: false
        }
    }

    static func appendTrimmed(_ text: [Unicode.Scalar], _ range: Range<Int>, to result: inout [Range<Int>]) {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isSpace(text[lower]) { lower += 1 }
        while upper > lower, isSpace(text[upper - 1]) { upper -= 1 }
        if lower < upper { result.append(lower..<upper) }
    }
}
