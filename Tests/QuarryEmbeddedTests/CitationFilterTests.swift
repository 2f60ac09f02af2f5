import Foundation
import QuarryCore
@testable import QuarryEngine
import Testing

/// The check of a model's `[n]` markers, fed as a stream in every possible cut.
@Suite("citation filter")
struct CitationFilterTests {
    static func filtered(_ text: String, sources: Int, pieceSize: Int) -> (text: String, cited: [Int]) {
        var filter = CitationFilter(sources: sources)
        var out = ""
        let characters = Array(text)
        for start in stride(from: 0, to: characters.count, by: pieceSize) {
            out += filter.feed(String(characters[start..<min(characters.count, start + pieceSize)]))
        }
        return (out + filter.finish(), filter.cited)
    }

    @Test("given sources pass, invented ones are dropped, brackets that are not citations stay, whatever the cut")
    func markers() {
        let cases: [(String, Int, String, [Int])] = [
            ("Rings are ice [1] and rock [7].", 2, "Rings are ice [1] and rock .", [1]),
            ("Both [2, 9] and [1,2].", 2, "Both [2] and [1][2].", [2, 1]),
            ("An array a[i] and [] and [ ] stay.", 3, "An array a[i] and [] and [ ] stay.", []),
            ("No sources [1].", 0, "No sources .", []),
            ("Unfinished [3", 3, "Unfinished [3", []),
            ("Zero [0] is not a source; [[2]] nests.", 2, "Zero  is not a source; [[2]] nests.", [2]),
        ]
        for (input, sources, expected, cited) in cases {
            for size in 1...input.count {
                let result = Self.filtered(input, sources: sources, pieceSize: size)
                #expect(result.text == expected, "\(input) in pieces of \(size)")
                #expect(result.cited == cited, "\(input) in pieces of \(size)")
            }
        }
    }
}

/// A citation's snippet: the stretch around the query's words, marked, cut at spaces.
@Suite("snippet")
struct SnippetTests {
    @Test("a long chunk gives a window around the matches, cut at spaces and marked; a short one is whole")
    func window() {
        let filler = String(repeating: "lorem ipsum dolor sit amet ", count: 40)
        let text = filler + "The comets' tails point away from the Sun, always. " + filler
        let analyzer = QuarryCore.TextAnalyzer()
        let terms = Set(analyzer.terms("which way do comet tails point"))
        var seen: [String: Bool] = [:]
        let snippet = Snippet.mark(text, terms: terms, analyzer: analyzer, seen: &seen)
        #expect(snippet.hasPrefix("…") && snippet.hasSuffix("…"))
        #expect(snippet.contains("<mark>comets</mark>' <mark>tails</mark> <mark>point</mark> away"), "\(snippet)")
        let plain = snippet.replacingOccurrences(of: "<mark>", with: "").replacingOccurrences(of: "</mark>", with: "")
        #expect(plain.unicodeScalars.count <= Snippet.maximumLength + 2)
        // Cut at spaces: every word of the window is whole.
        let words = Set(filler.split(separator: " ").map(String.init))
        for word in plain.dropFirst().dropLast().split(separator: " ").prefix(3) where !word.contains("comet") {
            #expect(words.contains(String(word)), "\(word)")
        }
        // The table of words seen carries over from the snippet above: its answers hold for these terms too.
        #expect(Snippet.mark("Tails of comets.", terms: terms, analyzer: analyzer, seen: &seen) == "<mark>Tails</mark> of <mark>comets</mark>.")
    }

    @Test("text beyond ASCII is measured in scalars and copied whole around its marks")
    func unicode() {
        let filler = String(repeating: "λόγος καὶ ἔργον — 東京 ", count: 30)
        let text = filler + "Die Straße führt zum Café Müller. " + filler
        let analyzer = QuarryCore.TextAnalyzer()
        var seen: [String: Bool] = [:]
        let snippet = Snippet.mark(text, terms: Set(analyzer.terms("café straße")), analyzer: analyzer, seen: &seen)
        #expect(snippet.contains("Die <mark>Straße</mark> führt zum <mark>Café</mark> Müller."), "\(snippet)")
        let plain = snippet.replacingOccurrences(of: "<mark>", with: "").replacingOccurrences(of: "</mark>", with: "")
        #expect(plain.unicodeScalars.count <= Snippet.maximumLength + 2)
        #expect(plain.unicodeScalars.count > Snippet.maximumLength - 30, "cut far short: \(plain.unicodeScalars.count) scalars")
        #expect(text.contains(plain.dropFirst().dropLast()), "not a stretch of the text: \(plain)")
        #expect(Snippet.mark("", terms: ["x"], analyzer: analyzer, seen: &seen) == "")
    }
}
