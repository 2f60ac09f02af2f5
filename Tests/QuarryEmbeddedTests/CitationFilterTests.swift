import Foundation
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
