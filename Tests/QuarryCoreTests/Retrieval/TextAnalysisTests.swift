import Foundation
import QuarryCore
import QuarryTestSupport
import Testing

@Suite("BM25 text analysis")
struct TextAnalysisTests {
    /// Examples from Porter's 1980 paper, step by step.
    @Test("Porter's stemmer gives the paper's examples", arguments: [
        ("caresses", "caress"), ("ponies", "poni"), ("ties", "ti"), ("caress", "caress"), ("cats", "cat"),
        ("feed", "feed"), ("agreed", "agre"), ("plastered", "plaster"), ("bled", "bled"), ("motoring", "motor"),
        ("sing", "sing"), ("conflated", "conflat"), ("troubled", "troubl"), ("sized", "size"), ("hopping", "hop"),
        ("tanned", "tan"), ("falling", "fall"), ("hissing", "hiss"), ("fizzed", "fizz"), ("failing", "fail"),
        ("filing", "file"), ("happy", "happi"), ("sky", "sky"), ("relational", "relat"), ("conditional", "condit"),
        ("rational", "ration"), ("digitizer", "digit"), ("operator", "oper"), ("feudalism", "feudal"),
        ("decisiveness", "decis"), ("hopefulness", "hope"), ("callousness", "callous"), ("triplicate", "triplic"),
        ("formative", "form"), ("formalize", "formal"), ("electrical", "electr"), ("hopeful", "hope"),
        ("goodness", "good"), ("revival", "reviv"), ("allowance", "allow"), ("inference", "infer"),
        ("airliner", "airlin"), ("gyroscopic", "gyroscop"), ("adjustable", "adjust"), ("defensible", "defens"),
        ("irritant", "irrit"), ("replacement", "replac"), ("adjustment", "adjust"), ("dependent", "depend"),
        ("adoption", "adopt"), ("communism", "commun"), ("activate", "activ"), ("effective", "effect"),
        ("bowdlerize", "bowdler"), ("probate", "probat"), ("rate", "rate"), ("cease", "ceas"), ("controlling", "control"),
        ("roll", "roll"), ("generalizations", "gener"), ("oscillators", "oscil"),
    ])
    func paperExamples(word: String, stem: String) {
        #expect(PorterStemmer.stem(word) == stem)
    }

    @Test("words that are not plain ASCII letters are left as they are")
    func unstemmable() {
        for word in ["é", "naïve", "covid19", "αβγ", "at", ""] { #expect(PorterStemmer.stem(word) == word) }
    }

    /// Every distinct word of the repository's own texts, stemmed by NLTK's implementation of the same variant.
    @Test("stems equal NLTK's Porter stemmer (Martin's variant) word for word")
    func nltkAgreement() throws {
        let words = try Self.words(in: Self.sampleTexts().map { try String(contentsOfFile: $0, encoding: .utf8) })
        #expect(words.count > 1500, "too few words to be a real check: \(words.count)")
        try Self.compareWithNLTK(words)
    }

    /// The scientific vocabulary of SciFact's abstracts (the first 2,000), a harder test.
    @Test("stems equal NLTK's on SciFact's vocabulary", .enabled(if: SharedData.isAvailable, "\(SharedData.missingReason)"))
    func nltkAgreementOnSciFact() throws {
        let corpus = try String(contentsOfFile: SharedData.path("datasets/beir/scifact/corpus.jsonl"), encoding: .utf8)
        let words = Self.words(in: corpus.split(separator: "\n").prefix(2000).map(String.init))
        #expect(words.count > 15000)
        try Self.compareWithNLTK(words)
    }

    static func words(in texts: [String]) -> [String] {
        let analyzer = TextAnalyzer(stemming: false, stopWords: [])
        var words = Set<String>()
        for text in texts { words.formUnion(analyzer.terms(text).filter { $0.utf8.allSatisfy { $0 >= 0x61 && $0 <= 0x7A } }) }
        return words.sorted()
    }

    static func compareWithNLTK(_ list: [String]) throws {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("porter-\(UUID().uuidString).txt")
        try list.joined(separator: "\n").appending("\n").write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let output = try run("/bin/sh", ["-c", "\"$0\" \"$1\" < \"$2\"", Venv.python, peer, input.path])
        let stems = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(stems.count == list.count)
        let differing = zip(list, stems).filter { PorterStemmer.stem($0.0) != $0.1 }
        #expect(differing.isEmpty, "\(differing.count) of \(list.count) differ, e.g. \(differing.prefix(10).map { "\($0.0): \(PorterStemmer.stem($0.0)) vs \($0.1)" })")
    }

    static let peer = repositoryRoot.appendingPathComponent("Tests/QuarryCoreTests/Peers/porter_peer.py").path

    /// Texts in the repository (README, docs, licences, the local HTML corpus): real English without ../shared.
    static func sampleTexts() throws -> [String] {
        let roots = ["Docs", "corpora"].map { repositoryRoot.appendingPathComponent($0).path }
        var paths = [repositoryRoot.appendingPathComponent("README.md").path]
        for root in roots {
            for case let name as String in FileManager.default.enumerator(atPath: root) ?? FileManager.DirectoryEnumerator()
            where name.hasSuffix(".md") || name.hasSuffix(".html") || name.hasSuffix(".txt") || name.hasSuffix("LICENSE") {
                paths.append(root + "/" + name)
            }
        }
        return paths
    }

    @Test("analysis lower-cases, splits at punctuation, drops stop words and stems")
    func analysis() {
        let analyzer = TextAnalyzer()
        #expect(analyzer.terms("The Running of the BULLS, in Pamplona: it's 2024!") == ["run", "bull", "pamplona", "s", "2024"])
        #expect(analyzer.terms("Ünïcode café—naïve") == ["ünïcode", "café", "naïve"])
        #expect(TextAnalyzer(stemming: false, stopWords: []).terms("The cats") == ["the", "cats"])
        #expect(analyzer.terms("") == [])
        #expect(analyzer.terms("— ... !!!") == [])
    }

    /// The analyser reads UTF-8 bytes and decodes only non-ASCII scalars; this is the plain
    /// definition it must agree with: scalars, `isWordScalar`, `lowercased()`.
    static func referenceTerms(_ text: String, _ analyzer: TextAnalyzer) -> [String] {
        var terms: [String] = []
        var word = String.UnicodeScalarView()
        func flush() {
            guard !word.isEmpty else { return }
            let lowered = String(word).lowercased()
            word.removeAll()
            guard !analyzer.stopWords.contains(lowered) else { return }
            terms.append(analyzer.stemming ? PorterStemmer.stem(lowered) : lowered)
        }
        for scalar in text.unicodeScalars {
            if TextAnalyzer.isWordScalar(scalar) { word.append(scalar) } else { flush() }
        }
        flush()
        return terms
    }

    @Test("terms read from UTF-8 bytes equal the scalar-by-scalar definition, on real and unusual text")
    func bytesAgreeWithScalars() throws {
        let unusual = [
            "İstanbul ÇAĞ straße ΣΊΣΥΦΟΣ naïve café\u{301} e\u{301}tude 東京タワー 123abc", "emoji 👍🏽ok, x\u{200B}y", "tab\tnew\nline\u{00A0}nbsp",
            "Ǆemal ǅ ﬁle ﬂow", "٣ arabic ١٢ digits", "",
        ]
        let texts = try Self.sampleTexts().map { try String(contentsOfFile: $0, encoding: .utf8) } + unusual
        for analyzer in [TextAnalyzer(), TextAnalyzer(stemming: false, stopWords: [])] {
            for text in texts { #expect(analyzer.terms(text) == Self.referenceTerms(text, analyzer), "\(text.prefix(80))") }
        }
        var words: [String] = []
        var text = "a\u{301}b c—d"
        text.withUTF8 { utf8 in TextAnalyzer.forEachWord(in: utf8) { words.append("\($0.string(in: utf8)) \($0.scalars) \($0.isASCII)") } }
        #expect(words == ["a\u{301}b 0..<3 false", "c 4..<5 true", "d 6..<7 true"])
    }
}
