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
            var box = line.box
            box.x0 = Double(line.edges[from])
            box.x1 = Double(line.edges[to])
            result.append(box)
        }
        return result
    }
}
