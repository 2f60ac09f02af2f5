import Foundation

/// Checks the `[n]` markers of a model's answer as it streams: a marker naming a source that was
/// given (1…`sources`) passes, one the model invented is dropped. Text that might still become a
/// marker (`[`, `[1`, `[1, 2`) is held back until it is decided, so a client never sees an
/// invented citation, even for a moment. `[1, 3]` keeps its valid numbers, written `[1][3]`.
struct CitationFilter {
    let sources: Int
    /// The sources cited, in order of first citation.
    private(set) var cited: [Int] = []
    private var held = ""

    /// Longer brackets are prose, not citations.
    static let longestMarker = 24

    init(sources: Int) {
        self.sources = sources
    }

    /// The text that can be shown now.
    mutating func feed(_ text: String) -> String {
        var out = ""
        for character in text {
            if held.isEmpty {
                if character == "[" { held = "[" } else { out.append(character) }
                continue
            }
            held.append(character)
            if character == "]" {
                out += resolve(held)
                held = ""
            } else if !(character.isASCII && (character.isNumber || character == "," || character == " ")) || held.count > Self.longestMarker {
                // Not a marker after all: show it as written (a new "[" may start one).
                let literal = held.dropLast()
                held = ""
                out += literal
                out += feed(String(character))
            }
        }
        return out
    }

    /// What is still held when the answer ends: an unfinished bracket is text.
    mutating func finish() -> String {
        defer { held = "" }
        return held
    }

    /// `[…]` complete: the valid numbers it names, or nothing.
    private mutating func resolve(_ marker: String) -> String {
        let numbers = marker.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !numbers.isEmpty, numbers.allSatisfy({ !$0.isEmpty }) else { return marker }  // "[]", "[,]": text
        var kept = ""
        for number in numbers.compactMap({ Int($0) }) where number >= 1 && number <= sources {
            if !cited.contains(number) { cited.append(number) }
            kept += "[\(number)]"
        }
        return kept
    }
}
