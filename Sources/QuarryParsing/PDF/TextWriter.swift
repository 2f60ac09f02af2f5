import QuarryCore

/// Builds a PDF page's normalised text block by block, keeping for every character written where
/// it was drawn, so that any range of the final text maps back to boxes on the page.
struct TextWriter {
    let page: Int
    /// The page's size: text drawn beyond its edges is clipped to them.
    let width: Double
    let height: Double
    private(set) var text: [Unicode.Scalar] = []
    private(set) var lines: [TextLine] = []
    private(set) var blocks: [TextBlock] = []

    init(page: Int, width: Double, height: Double) {
        self.page = page
        self.width = width
        self.height = height
    }

    mutating func append(separator: Unicode.Scalar) {
        text.append(separator)
    }

    mutating func write(_ block: [PDFLine], kind: TextBlock.Kind, level: Int?) {
        let start = text.count
        let firstLine = lines.count
        for (index, line) in block.enumerated() {
            if index > 0 {
                if kind == .code {
                    text.append("\n")
                } else if !joinHyphenated(before: line, after: block[index - 1]) {
                    text.append(" ")
                }
            }
            write(line, verbatim: kind == .code)
        }
        blocks.append(TextBlock(kind: kind, level: level, start: start, end: text.count, boxes: lines[firstLine...].map(\.box)))
    }

    /// Writes one line: ligatures expanded, whitespace runs collapsed (except in code), ends trimmed.
    private mutating func write(_ line: PDFLine, verbatim: Bool) {
        let start = text.count
        var edges: [Float] = []
        var pendingSpace: PDFCharacter?
        for character in line.characters {
            let scalar = character.scalar
            // Soft hyphens, bidi marks and other invisible format characters carry no text.
            if scalar.value >= 0x80, scalar.value == 0xAD || scalar.properties.generalCategory == .format { continue }
            if scalar.isSpace || scalar.value < 0x20 || scalar.value == 0x7F {
                if verbatim && text.count > start {
                    emit(" ", character, &edges)
                } else if text.count > start {
                    pendingSpace = character
                }
                continue
            }
            if let space = pendingSpace {
                emit(" ", space, &edges)
                pendingSpace = nil
            } else if let previous = lastWritten, text.count > start,
                      max(character.x0 - previous.x1, previous.x0 - character.x1) > Self.wordGap(previous)
                      || Self.isRightToLeft(previous.scalar) != Self.isRightToLeft(character.scalar) && scalar.properties.isAlphabetic
                      && previous.scalar.properties.isAlphabetic {
                // poppler runs table cells and spaced-out words together: a visible gap, either way
                // (right-to-left text runs leftwards), or a change of writing direction is a space.
                var gap = previous
                gap.x0 = min(previous.x1, character.x0)
                gap.x1 = max(previous.x1, character.x0)
                emit(" ", gap, &edges)
            }
            if (0xFB00...0xFB06).contains(scalar.value), let expansion = Self.ligatures[scalar] {
                // Share the ligature's width among its letters.
                let width = (character.x1 - character.x0) / Double(expansion.count)
                for (offset, letter) in expansion.enumerated() {
                    var part = character
                    part.x0 = character.x0 + width * Double(offset)
                    part.x1 = part.x0 + width
                    emit(letter, part, &edges)
                }
            } else {
                emit(scalar, character, &edges)
            }
        }
        guard text.count > start else { return }
        edges.append(Float(lastRight))
        edges = edges.map { min(max($0, 0), Float(width)) }
        let box = Box(
            page: page, x0: Double(edges.min()!), y0: min(max(line.y0, 0), height),
            x1: Double(edges.max()!), y1: min(max(line.y1, 0), height)
        )
        lines.append(TextLine(start: start, end: text.count, box: box, edges: edges))
    }

    private var lastRight: Double { lastWritten?.x1 ?? 0 }
    private var lastWritten: PDFCharacter?

    private mutating func emit(_ scalar: Unicode.Scalar, _ character: PDFCharacter, _ edges: inout [Float]) {
        text.append(scalar)
        edges.append(Float(character.x0))
        lastWritten = character
    }

    /// A horizontal gap wider than this after `character` separates words: 0.12 of the font size,
    /// just above poppler's own word break (0.1); letters inside a word touch.
    static func wordGap(_ character: PDFCharacter) -> Double {
        let size = character.fontSize > 0 ? character.fontSize : character.y1 - character.y0
        return max(0.5, size * 0.12)
    }

    /// Joins "infor-" and "mation" into "information": the previous line ends in a hyphen after a
    /// letter and this one starts with a lower-case letter. Drops the hyphen from the text and the
    /// previous line's geometry; returns whether it did.
    private mutating func joinHyphenated(before line: PDFLine, after previous: PDFLine) -> Bool {
        guard line.y0 > previous.y0,  // below, not beside
              let last = text.last, last == "-" || last == "\u{2010}",
              text.count >= 2, text[text.count - 2].properties.isAlphabetic,
              let next = line.characters.first(where: { !$0.scalar.isSpace }),
              next.scalar.properties.isLowercase,
              var previous = lines.last, previous.end == text.count
        else { return false }
        text.removeLast()
        previous.end -= 1
        previous.edges.removeLast()
        previous.box.x1 = Double(previous.edges.max()!)
        lines[lines.count - 1] = previous
        return true
    }

    /// Hebrew and Arabic letters (with their presentation forms).
    static func isRightToLeft(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0590...0x08FF, 0xFB1D...0xFDFF, 0xFE70...0xFEFF: true
        default: false
        }
    }

    /// Latin typographic ligatures (U+FB00–FB06), expanded to their letters.
    static let ligatures: [Unicode.Scalar: [Unicode.Scalar]] = [
        "\u{FB00}": ["f", "f"], "\u{FB01}": ["f", "i"], "\u{FB02}": ["f", "l"], "\u{FB03}": ["f", "f", "i"],
        "\u{FB04}": ["f", "f", "l"], "\u{FB05}": ["s", "t"], "\u{FB06}": ["s", "t"],
    ]
}
