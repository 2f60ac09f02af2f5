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
        var keepGoing = true
        func flushWord() {
            guard keepGoing, !word.isEmpty else { return }
            keepGoing = wordPieces(normalizedWord(word), body)
            word.removeAll(keepingCapacity: true)
        }
        for scalar in text {
            if !keepGoing { return }
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
                flushWord()
            } else {
                word.append(scalar)
            }
        }
        flushWord()
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
