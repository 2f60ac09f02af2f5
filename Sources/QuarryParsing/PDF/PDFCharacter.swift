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
        let visible = characters.filter { !$0.scalar.properties.isWhitespace }
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

    static func dominantSize(_ characters: [PDFCharacter]) -> Double {
        var counts: [Double: Int] = [:]
        for character in characters { counts[(character.fontSize * 10).rounded() / 10, default: 0] += 1 }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 0
    }
}
