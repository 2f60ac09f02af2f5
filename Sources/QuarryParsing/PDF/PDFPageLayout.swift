import QuarryCore

/// Turns poppler's characters for one page (reading order, a rectangle each, lines ended by `\n`)
/// into a ``Page``: blocks found from the geometry, text normalised (ligatures expanded, end-of-line
/// hyphenation joined, whitespace collapsed) with every character's position kept.
enum PDFPageLayout {
    static func page(number: Int, characters: [PDFCharacter], width: Double, height: Double) -> Page {
        let lines = splitLines(characters)
        guard !lines.isEmpty else {
            return Page(number: number, text: "", blocks: [], width: width, height: height, hasTextLayer: false)
        }
        let bodySize = bodyFontSize(lines)
        var writer = TextWriter(page: number, width: width, height: height)
        for (index, block) in ReadingOrder.arrange(groupBlocks(lines)).enumerated() {
            if index > 0 { writer.append(separator: "\n") }
            writer.write(block, kind: kind(of: block, bodySize: bodySize), level: level(of: block, bodySize: bodySize))
        }
        return Page(
            number: number, text: String(String.UnicodeScalarView(writer.text)), blocks: writer.blocks, lines: writer.lines,
            width: width, height: height, hasTextLayer: true
        )
    }

    static func splitLines(_ characters: [PDFCharacter]) -> [PDFLine] {
        var lines: [PDFLine] = []
        var current: [PDFCharacter] = []
        for character in characters {
            if character.scalar == "\n" {
                if let line = PDFLine(current) { lines.append(line) }
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(character)
            }
        }
        if let line = PDFLine(current) { lines.append(line) }
        return lines
    }

    /// The font size of most of the page's visible characters: the body text.
    static func bodyFontSize(_ lines: [PDFLine]) -> Double {
        var counts: [Double: Int] = [:]
        for line in lines { counts[line.fontSize, default: 0] += line.characters.count }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 0
    }

    /// Consecutive lines belong to one block unless a gap, a move up or across (a new column),
    /// a change of font size or of pitch, an indented first line, or a bullet says otherwise.
    static func groupBlocks(_ lines: [PDFLine]) -> [[PDFLine]] {
        var blocks: [[PDFLine]] = []
        var current: [PDFLine] = []
        for line in lines {
            if let previous = current.last, startsBlock(line, after: previous, blockLines: current.count) {
                blocks.append(current)
                current = []
            }
            current.append(line)
        }
        if !current.isEmpty { blocks.append(current) }
        return blocks
    }

    static func startsBlock(_ line: PDFLine, after previous: PDFLine, blockLines: Int) -> Bool {
        let lineHeight = max(1, min(previous.height, line.height))
        if line.y0 < previous.y0 - lineHeight * 0.5 { return true }  // moved up: next column or float
        if line.y0 - previous.y1 > lineHeight * 0.6 { return true }  // vertical gap
        if abs(line.fontSize - previous.fontSize) > 0.6 { return true }
        if line.isMonospace != previous.isMonospace { return true }
        if line.x0 > previous.x1 {
            // Beside, not below: one block only when on the same baseline and close ("1" "Introduction").
            let sameBaseline = abs(line.y1 - previous.y1) < lineHeight * 0.3
            return !(sameBaseline && line.x0 - previous.x1 < line.fontSize * 3)
        }
        if startsWithBullet(line) { return true }
        let indent = line.x0 - previous.x0
        if blockLines > 1, indent > line.fontSize * 0.6, indent < line.fontSize * 4, !line.isMonospace { return true }
        return false
    }

    static let bullets: Set<Unicode.Scalar> = ["•", "◦", "▪", "‣", "∙", "–", "-", "*", "○", "■", "□", "➢", "►"]

    /// A bullet and a space, or "1." "12)" "(a)" "a)" and a space. Checked scalar by scalar: this
    /// runs for every line, and a regular expression here cost a third of the parse time.
    static func startsWithBullet(_ line: PDFLine) -> Bool {
        let characters = line.characters
        var index = 0
        while index < characters.count, characters[index].scalar.isSpace { index += 1 }
        guard index < characters.count else { return false }
        func scalar(_ offset: Int) -> Unicode.Scalar? {
            index + offset < characters.count ? characters[index + offset].scalar : nil
        }
        if bullets.contains(characters[index].scalar) { return scalar(1)?.isSpace ?? false }
        var offset = scalar(0) == "(" ? 1 : 0
        if let first = scalar(offset), ("a"..."z").contains(first), scalar(offset + 1) == "." || scalar(offset + 1) == ")" {
            offset += 1
        } else {
            let start = offset
            while let digit = scalar(offset), ("0"..."9").contains(digit), offset - start < 3 { offset += 1 }
            guard offset > start else { return false }
        }
        guard let mark = scalar(offset), mark == "." || mark == ")" else { return false }
        return scalar(offset + 1)?.isSpace ?? false
    }

    static func kind(of block: [PDFLine], bodySize: Double) -> TextBlock.Kind {
        // One monospace line is more often an address or a name than code.
        if block.count > 1, block.allSatisfy(\.isMonospace) { return .code }
        if level(of: block, bodySize: bodySize) != nil { return .heading }
        if startsWithBullet(block[0]) { return .list }
        return .paragraph
    }

    /// Headings are short blocks set clearly larger than the body text; the larger, the higher.
    static func level(of block: [PDFLine], bodySize: Double) -> Int? {
        guard bodySize > 0, block.count <= 3, !block.allSatisfy(\.isMonospace), !block.contains(where: \.isVertical) else { return nil }
        let size = PDFLine.dominantSize(block.flatMap(\.characters).filter { !$0.scalar.isSpace })
        let length = block.reduce(0) { $0 + $1.characters.count }
        guard size >= bodySize * 1.15, length <= 200 else { return nil }
        return size >= bodySize * 1.7 ? 1 : size >= bodySize * 1.35 ? 2 : 3
    }
}
