import QuarryCore

/// Finds running headers, footers and page numbers: short blocks in the top or bottom eighth of a
/// page (or fifth, when among the page's first or last two blocks) whose text, digits aside, repeats on many pages
/// ("Z. Shen et al.", "Chapter 3 — 41"), and lone page numbers there. They stay in the page text
/// and are marked `.furniture`.
enum PageFurniture {
    static func mark(_ pages: inout [Page]) {
        var candidates: [(page: Int, block: Int, key: String)] = []
        for (pageIndex, page) in pages.enumerated() where page.hasTextLayer {
            guard let height = page.height, height > 0 else { continue }
            let scalars = Array(page.text.unicodeScalars)
            let edges = Set([0, 1, page.blocks.count - 2, page.blocks.count - 1])
            for (blockIndex, block) in page.blocks.enumerated() where block.end - block.start <= 100 {
                guard let top = block.boxes.map(\.y0).min(), let bottom = block.boxes.map(\.y1).max() else { continue }
                let margin = edges.contains(blockIndex) ? 0.2 : 0.125
                guard top < height * margin || bottom > height * (1 - margin) else { continue }
                candidates.append((pageIndex, blockIndex, key(scalars[block.start..<min(block.end, scalars.count)])))
            }
        }
        var pagesPerKey: [String: Set<Int>] = [:]
        for candidate in candidates { pagesPerKey[candidate.key, default: []].insert(candidate.page) }
        let textPages = pages.filter(\.hasTextLayer).count
        let repeated = max(3, textPages / 4)
        for candidate in candidates where candidate.key == "#" || (pagesPerKey[candidate.key]?.count ?? 0) >= repeated {
            pages[candidate.page].blocks[candidate.block].kind = .furniture
        }
    }

    /// Lower-cased, digit runs as "#", whitespace collapsed: "Page 12 of 40" and "Page 13 of 40" match.
    static func key(_ text: ArraySlice<Unicode.Scalar>) -> String {
        var result = String.UnicodeScalarView()
        var previous: Unicode.Scalar = " "
        for scalar in text {
            let mapped: Unicode.Scalar = ("0"..."9").contains(scalar) ? "#" : scalar.isSpace ? " " : scalar
            if mapped == previous && (mapped == "#" || mapped == " ") { continue }
            result.append(mapped)
            previous = mapped
        }
        return String(result).trimmingCharacters(in: .whitespaces).lowercased()
    }
}
