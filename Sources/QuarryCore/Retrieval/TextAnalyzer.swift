/// Turns text into BM25 terms, the same way for documents and queries: Unicode-aware lower-casing,
/// words split at anything that is not a letter or digit, stop words dropped, Porter stemming.
/// Defaults are Lucene's `EnglishAnalyzer`'s (its 33 stop words, Porter's stemmer), the analysis
/// behind Anserini's published BM25 baselines.
public struct TextAnalyzer: Sendable, Equatable {
    public var stemming: Bool
    public var stopWords: Set<String>

    /// Lucene's English stop words.
    public static let englishStopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not",
        "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
        "will", "with",
    ]

    public init(stemming: Bool = true, stopWords: Set<String> = TextAnalyzer.englishStopWords) {
        self.stemming = stemming
        self.stopWords = stopWords
    }

    /// The terms of `text`, in order, repeats kept.
    public func terms(_ text: String) -> [String] {
        var terms: [String] = []
        var word = String.UnicodeScalarView()
        func flush() {
            guard !word.isEmpty else { return }
            let lowered = String(word).lowercased()
            word.removeAll(keepingCapacity: true)
            guard !stopWords.contains(lowered) else { return }
            terms.append(stemming ? PorterStemmer.stem(lowered) : lowered)
        }
        for scalar in text.unicodeScalars {
            if Self.isWordScalar(scalar) {
                word.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return terms
    }

    /// Letters, digits and combining marks (so accented words written with them stay whole).
    public static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A)
        }
        let properties = scalar.properties
        return properties.isAlphabetic || properties.numericType != nil
            || properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark
    }
}
