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
}
