/// Puts a page's blocks in the order a person reads them when poppler's order interleaves columns.
///
/// Blocks that cross the middle of the text area (titles, full-width figures, page numbers)
/// cut the page into horizontal bands; inside a band that has blocks on both sides of the
/// middle, the left column is read top to bottom before the right one. Bands with blocks on
/// one side only, and single-column pages, keep poppler's order.
enum ReadingOrder {
    static func arrange(_ blocks: [[PDFLine]]) -> [[PDFLine]] {
        guard blocks.count > 2 else { return blocks }
        let boxes = blocks.map { block in
            (x0: block.map(\.x0).min()!, y0: block.map(\.y0).min()!, x1: block.map(\.x1).max()!)
        }
        let middle = (boxes.map(\.x0).min()! + boxes.map(\.x1).max()!) / 2
        let tolerance = 2.0
        func side(_ index: Int) -> Int {  // -1 left, 1 right, 0 across
            boxes[index].x1 <= middle + tolerance ? -1 : boxes[index].x0 >= middle - tolerance ? 1 : 0
        }
        let sides = blocks.indices.map(side)
        guard sides.contains(-1), sides.contains(1) else { return blocks }

        var result: [[PDFLine]] = []
        var band: [Int] = []
        func closeBand() {
            let left = band.filter { sides[$0] == -1 }
            let right = band.filter { sides[$0] == 1 }
            let ordered = left.isEmpty || right.isEmpty
                ? band
                : left.sorted { boxes[$0].y0 < boxes[$1].y0 } + right.sorted { boxes[$0].y0 < boxes[$1].y0 }
            result += ordered.map { blocks[$0] }
            band = []
        }
        for index in blocks.indices.sorted(by: { boxes[$0].y0 < boxes[$1].y0 }) {
            if sides[index] == 0 {
                closeBand()
                result.append(blocks[index])
            } else {
                band.append(index)
            }
        }
        closeBand()
        return result
    }
}
