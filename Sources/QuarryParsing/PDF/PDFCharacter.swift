/// One character as poppler lays it out: the scalar, its rectangle (points, top-left origin) and font size.
struct PDFCharacter {
    var scalar: Unicode.Scalar
    var x0: Double
    var y0: Double
    var x1: Double
    var y1: Double
    var fontSize: Double
    /// Drawn in a fixed-pitch font (Courier, *Mono*, TeX's CMTT): code keeps its line breaks.
    var isMonospace: Bool
}

/// A visual line: poppler's characters between two newlines.
struct PDFLine {
    var characters: [PDFCharacter]
    var x0: Double
    var y0: Double
    var x1: Double
    var y1: Double
    /// The font size covering most of the line's characters.
    var fontSize: Double
    var isMonospace: Bool

    init?(_ characters: [PDFCharacter]) {
        let visible = characters.filter { !$0.scalar.isSpace }
        guard !visible.isEmpty else { return nil }
        self.characters = characters
        x0 = visible.map(\.x0).min()!
        y0 = visible.map(\.y0).min()!
        x1 = visible.map(\.x1).max()!
        y1 = visible.map(\.y1).max()!
        fontSize = PDFLine.dominantSize(visible)
        isMonospace = visible.allSatisfy(\.isMonospace)
    }

    var height: Double { y1 - y0 }

    /// Set bottom-to-top or top-to-bottom (an arXiv stamp in the margin): the characters advance
    /// down or up the page rather than across it.
    var isVertical: Bool {
        guard characters.count > 2, let first = characters.first, let last = characters.last else { return false }
        return abs(last.y0 - first.y0) > abs(last.x0 - first.x0) * 2
    }
    var text: String { String(String.UnicodeScalarView(characters.map(\.scalar))) }

    /// The most frequent font size (to 0.1 pt), the larger on a tie. A line holds few sizes, so a
    /// short list beats a dictionary.
    static func dominantSize(_ characters: [PDFCharacter]) -> Double {
        var sizes: [(size: Double, count: Int)] = []
        for character in characters {
            let size = (character.fontSize * 10).rounded() / 10
            if let index = sizes.firstIndex(where: { $0.size == size }) {
                sizes[index].count += 1
            } else {
                sizes.append((size, 1))
            }
        }
        return sizes.max { $0.count < $1.count || ($0.count == $1.count && $0.size > $1.size) }?.size ?? 0
    }
}

extension Unicode.Scalar {
    /// Whitespace, with the common ASCII cases answered without a Unicode property lookup.
    @inline(__always) var isSpace: Bool {
        value < 0x80 ? value == 0x20 || (0x09...0x0D).contains(value) : properties.isWhitespace
    }
}
