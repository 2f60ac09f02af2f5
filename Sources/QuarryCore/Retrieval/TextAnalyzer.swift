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
        var text = text
        text.withUTF8 { utf8 in
            Self.forEachWord(in: utf8) { word in
                let lowered = word.isASCII ? Self.asciiLowercased(utf8[word.bytes]) : word.string(in: utf8).lowercased()
                guard !stopWords.contains(lowered) else { return }
                terms.append(stemming ? PorterStemmer.stem(lowered) : lowered)
            }
        }
        return terms
    }

    /// A word: a maximal run of word scalars (``isWordScalar(_:)``), as offsets into its text's
    /// UTF-8 bytes and into its text's scalars.
    public struct Word: Sendable, Equatable {
        public let bytes: Range<Int>
        public let scalars: Range<Int>
        /// Every scalar of the word is ASCII (then bytes and scalars are one to one).
        public let isASCII: Bool

        public func string(in utf8: UnsafeBufferPointer<UInt8>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: utf8[bytes]), as: UTF8.self)
        }
    }

    /// Calls `body` with each word of `utf8` (a String's bytes, so valid UTF-8), in order. Text is
    /// read byte by byte and only non-ASCII scalars are decoded: this runs over every chunk at
    /// ingest and over every cited chunk at query time.
    public static func forEachWord(in utf8: UnsafeBufferPointer<UInt8>, _ body: (Word) -> Void) {
        var offset = 0, scalar = 0
        var start: (byte: Int, scalar: Int)?
        var ascii = true
        while offset < utf8.count {
            let (value, length) = Self.scalar(in: utf8, at: offset)
            if length == 1 ? isASCIIWordByte(utf8[offset]) : isWordScalar(value) {
                if start == nil { (start, ascii) = ((offset, scalar), true) }
                ascii = ascii && length == 1
            } else if let first = start {
                body(Word(bytes: first.byte..<offset, scalars: first.scalar..<scalar, isASCII: ascii))
                start = nil
            }
            offset += length
            scalar += 1
        }
        if let first = start { body(Word(bytes: first.byte..<offset, scalars: first.scalar..<scalar, isASCII: ascii)) }
    }

    /// The scalar that starts at byte `offset` of `utf8` (valid UTF-8), and its length in bytes.
    @inline(__always)
    public static func scalar(in utf8: UnsafeBufferPointer<UInt8>, at offset: Int) -> (Unicode.Scalar, length: Int) {
        let lead = utf8[offset]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        guard offset + length <= utf8.count else { return ("\u{FFFD}", 1) }  // not from a String: never read past
        var value = UInt32(lead) & (0x7F >> length)
        for index in (offset + 1)..<(offset + length) { value = value << 6 | UInt32(utf8[index] & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    /// ASCII bytes with A–Z lower-cased: what `lowercased()` gives for an ASCII word, without its
    /// Unicode tables.
    static func asciiLowercased(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
            return bytes.count
        }
    }

    @inline(__always)
    static func isASCIIWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
    }

    /// Letters, digits and combining marks (so accented words written with them stay whole).
    public static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return isASCIIWordByte(UInt8(scalar.value)) }
        let properties = scalar.properties
        return properties.isAlphabetic || properties.numericType != nil
            || properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark
    }
}
