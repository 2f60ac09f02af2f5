extension Page {
    /// The rectangles covering characters `start..<end` of this page's text: one per visual line
    /// touched, cut to the characters in range. Empty for pages without geometry (HTML).
    public func boxes(from start: Int, to end: Int) -> [Box] {
        guard start < end else { return [] }
        var result: [Box] = []
        for line in lines where line.start < end && start < line.end {
            let from = max(start, line.start) - line.start
            let to = min(end, line.end) - line.start
            guard to <= line.edges.count - 1, from < to else { continue }
            // Edges rise left to right in ordinary text; min and max keep right-to-left or
            // oddly ordered runs inside a sane box as well.
            var box = line.box
            let edges = line.edges[from...to]
            box.x0 = Double(edges.min()!)
            box.x1 = Double(edges.max()!)
            result.append(box)
        }
        return result
    }
}
