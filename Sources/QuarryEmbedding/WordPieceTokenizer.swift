import Foundation
import QuarryCore

/// BERT's uncased WordPiece tokenizer, as all-MiniLM-L6-v2 uses it (Hugging Face `BertTokenizer` with
/// `do_lower_case`, `tokenize_chinese_chars`, accents stripped): clean the text, isolate CJK characters,
/// split on whitespace, lower-case, strip accents (NFD, drop non-spacing marks), split off punctuation,
/// then split each word into the longest vocabulary pieces, continuations prefixed `##`.
public struct WordPieceTokenizer: TokenCounter, Sendable {
    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case missingToken(String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read the vocabulary \(path): \(reason)"
            case .missingToken(let token): "the vocabulary has no \(token) token"
            }
        }
    }

    private let ids: [String: Int32]
    /// BERT's special tokens present in the vocabulary, as scalars.
    private let specialTokens: [(scalars: [Unicode.Scalar], id: Int32)]
    /// The longest vocabulary entry in UTF-8 bytes, `##` included.
    private let longestEntry: Int
    public let unknownID: Int32
    public let classifierID: Int32
    public let separatorID: Int32
    /// Words longer than this (in Unicode scalars) become `[UNK]`, as in BERT.
    static let maximumWordLength = 100

    /// Loads `vocab.txt`: one token per line, the line number (from 0) is the id.
    public init(vocabularyFile path: String) throws(LoadError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        var tokens = text.components(separatedBy: "\n")
        if tokens.last == "" { tokens.removeLast() }
        try self.init(vocabulary: tokens.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 })
    }

    public init(vocabulary tokens: [String]) throws(LoadError) {
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (index, token) in tokens.enumerated() where ids[token] == nil {
            ids[token] = Int32(index)
        }
        guard let unknown = ids["[UNK]"] else { throw .missingToken("[UNK]") }
        guard let classifier = ids["[CLS]"] else { throw .missingToken("[CLS]") }
        guard let separator = ids["[SEP]"] else { throw .missingToken("[SEP]") }
        self.ids = ids
        longestEntry = tokens.map(\.utf8.count).max() ?? 0
        specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { token in
            ids[token].map { (Array(token.unicodeScalars), $0) }
        }
        unknownID = unknown
        classifierID = classifier
        separatorID = separator
    }

    /// The model's input ids: `[CLS]`, the pieces, `[SEP]`, truncated to `maxLength` in all.
    public func encode(_ text: String, maxLength: Int = 256) -> [Int32] {
        var result: [Int32] = [classifierID]
        let budget = max(0, maxLength - 2)
        forEachPiece(in: Array(text.unicodeScalars)[...]) { id in
            guard result.count - 1 < budget else { return false }
            result.append(id)
            return true
        }
        result.append(separatorID)
        return result
    }

    /// The pieces as vocabulary strings, for people and tests.
    public func pieces(_ text: String) -> [String] {
        let tokens = Dictionary(uniqueKeysWithValues: ids.map { ($0.value, $0.key) })
        var result: [String] = []
        forEachPiece(in: Array(text.unicodeScalars)[...]) { id in
            result.append(tokens[id] ?? "[UNK]")
            return true
        }
        return result
    }

    public func countTokens(_ scalars: ArraySlice<Unicode.Scalar>) -> Int {
        var count = 0
        forEachPiece(in: scalars) { _ in
            count += 1
            return true
        }
        return count
    }

    /// Calls `body` with each piece's id in order until it returns false.
    private func forEachPiece(in text: ArraySlice<Unicode.Scalar>, _ body: (Int32) -> Bool) {
        var word: [Unicode.Scalar] = []
        var wordIsASCII = true
        var scratch = ASCIIScratch()
        var keepGoing = true
        func flushWord() {
            guard keepGoing, !word.isEmpty else { return }
            keepGoing = wordIsASCII ? asciiWordPieces(word, &scratch, body) : wordPieces(normalizedWord(word), body)
            word.removeAll(keepingCapacity: true)
            wordIsASCII = true
        }
        var index = text.startIndex
        while index < text.endIndex, keepGoing {
            let scalar = text[index]
            index += 1
            if scalar == "[", let (id, length) = specialToken(at: index - 1, in: text) {
                flushWord()
                keepGoing = keepGoing && body(id)
                index += length - 1
                continue
            }
            if scalar.value < 0x80 {
                // ASCII: no Unicode property lookups needed.
                switch scalar.value {
                case 0x20, 0x09, 0x0A, 0x0D: flushWord()
                case 0x00..<0x20, 0x7F: continue
                default: word.append(scalar)
                }
                continue
            }
            if scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) {
                flushWord()
            } else if Self.isCJK(scalar) {
                flushWord()
                word.append(scalar)
                wordIsASCII = false
                flushWord()
            } else {
                word.append(scalar)
                wordIsASCII = false
            }
        }
        flushWord()
    }

    /// A special token written out in the text (`[UNK]`, `[SEP]`, …) at `index`: Hugging Face's
    /// tokenizer matches these on the raw text before any normalisation, and so does this one.
    private func specialToken(at index: Int, in text: ArraySlice<Unicode.Scalar>) -> (id: Int32, length: Int)? {
        for (token, id) in specialTokens where text.count - (index - text.startIndex) >= token.count {
            if text[index..<index + token.count].elementsEqual(token) { return (id, token.count) }
        }
        return nil
    }

    /// Buffers reused from word to word: the chunker counts the tokens of every sentence it sees,
    /// and most words are ASCII, so their pieces are found without allocating per word.
    private struct ASCIIScratch {
        var bytes: [UInt8] = []
        var candidate: [UInt8] = []
        var pieces: [Int32] = []
    }

    /// The same pieces as `wordPieces(normalizedWord(word))` for a printable ASCII word (lower-casing
    /// is the only normalisation ASCII needs), computed over bytes.
    private func asciiWordPieces(_ word: [Unicode.Scalar], _ scratch: inout ASCIIScratch, _ body: (Int32) -> Bool) -> Bool {
        scratch.bytes.removeAll(keepingCapacity: true)
        for scalar in word {
            let byte = UInt8(truncatingIfNeeded: scalar.value)
            scratch.bytes.append((0x41...0x5A).contains(byte) ? byte + 32 : byte)
        }
        var start = 0
        for index in scratch.bytes.indices where Self.isPunctuation(Unicode.Scalar(scratch.bytes[index])) {
            if start < index, !asciiTokenPieces(start..<index, &scratch, body) { return false }
            if !asciiTokenPieces(index..<index + 1, &scratch, body) { return false }
            start = index + 1
        }
        return start == scratch.bytes.count || asciiTokenPieces(start..<scratch.bytes.count, &scratch, body)
    }

    /// Greedy longest-match-first WordPiece over `scratch.bytes[token]`.
    private func asciiTokenPieces(_ token: Range<Int>, _ scratch: inout ASCIIScratch, _ body: (Int32) -> Bool) -> Bool {
        if token.count > Self.maximumWordLength { return body(unknownID) }
        scratch.pieces.removeAll(keepingCapacity: true)
        var start = token.lowerBound
        while start < token.upperBound {
            // No vocabulary entry is longer than `longestEntry`: shorter candidates only.
            var end = min(token.upperBound, start + longestEntry)
            var found: Int32?
            while start < end {
                scratch.candidate.removeAll(keepingCapacity: true)
                if start > token.lowerBound { scratch.candidate += [0x23, 0x23] }  // "##"
                scratch.candidate += scratch.bytes[start..<end]
                if let id = ids[String(decoding: scratch.candidate, as: UTF8.self)] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return body(unknownID) }
            scratch.pieces.append(id)
            start = end
        }
        for id in scratch.pieces where !body(id) { return false }
        return true
    }

    /// Lower-cased, accents stripped, punctuation split off: the basic tokens of one whitespace-free word.
    private func normalizedWord(_ word: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var scalars: [Unicode.Scalar]
        if word.allSatisfy(\.isASCII) {
            scalars = word.map { (0x41...0x5A).contains($0.value) ? Unicode.Scalar(UInt8($0.value) + 32) : $0 }
        } else {
            var text = String(String.UnicodeScalarView(word)).lowercased()
            text = text.decomposedStringWithCanonicalMapping
            scalars = text.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        var tokens: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in scalars {
            if Self.isPunctuation(scalar) {
                if !current.isEmpty { tokens.append(current) }
                tokens.append([scalar])
                current = []
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// Greedy longest-match-first WordPiece over each basic token.
    private func wordPieces(_ tokens: [[Unicode.Scalar]], _ body: (Int32) -> Bool) -> Bool {
        for token in tokens {
            if token.count > Self.maximumWordLength {
                if !body(unknownID) { return false }
                continue
            }
            var pieces: [Int32] = []
            var start = 0
            var unknown = false
            // ASCII words (most of them) are looked up from bytes, without building scalar views.
            let ascii = token.allSatisfy(\.isASCII) ? token.map { UInt8($0.value) } : nil
            while start < token.count {
                var end = token.count
                var found: Int32?
                while start < end {
                    var candidate = start > 0 ? "##" : ""
                    if let ascii {
                        candidate += String(decoding: ascii[start..<end], as: UTF8.self)
                    } else {
                        candidate.unicodeScalars.append(contentsOf: token[start..<end])
                    }
                    if let id = ids[candidate] {
                        found = id
                        break
                    }
                    end -= 1
                }
                guard let id = found else {
                    unknown = true
                    break
                }
                pieces.append(id)
                start = end
            }
            if unknown { pieces = [unknownID] }
            for id in pieces where !body(id) { return false }
        }
        return true
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r": true
        default: scalar.properties.generalCategory == .spaceSeparator
        }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\r": return false
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .unassigned, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value) {
            return true
        }
        if value < 0x80 { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideograph blocks BERT isolates (not Hangul, Hiragana or Katakana).
    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            true
        default:
            false
        }
    }
}
