/// One page of a document: its text in reading order and the blocks that text is made of.
/// An HTML document is one page. Character offsets count Unicode scalars (Python's `str` indexing).
public struct Page: Sendable, Codable, Equatable {
    /// 1-based.
    public var number: Int
    public var text: String
    public var blocks: [TextBlock]
    /// Where each visual line of text is drawn (PDF only), for boxes of any character range.
    public var lines: [TextLine]
    /// Page size in PDF points (PDF only).
    public var width: Double?
    public var height: Double?
    /// False for a page with no text layer (a scanned image).
    public var hasTextLayer: Bool

    public init(
        number: Int, text: String, blocks: [TextBlock], lines: [TextLine] = [],
        width: Double? = nil, height: Double? = nil, hasTextLayer: Bool = true
    ) {
        self.number = number
        self.text = text
        self.blocks = blocks
        self.lines = lines
        self.width = width
        self.height = height
        self.hasTextLayer = hasTextLayer
    }
}

/// A run of a page's text with one role, and where it sits on the page.
public struct TextBlock: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case heading, paragraph, list, table, code
        /// Running headers, footers and page numbers: kept in the page text (offsets stay true),
        /// left out of chunks.
        case furniture
    }

    public var kind: Kind
    /// For headings: 1 is the top level.
    public var level: Int?
    /// Unicode-scalar offsets into the page's text, end exclusive.
    public var start: Int
    public var end: Int
    /// Where the text is drawn (PDF only): one box per line.
    public var boxes: [Box]

    public init(kind: Kind, level: Int? = nil, start: Int, end: Int, boxes: [Box] = []) {
        self.kind = kind
        self.level = level
        self.start = start
        self.end = end
        self.boxes = boxes
    }
}

/// One visual line of a PDF page: a range of the page's text, its box, and where each character starts.
public struct TextLine: Sendable, Codable, Equatable {
    /// Unicode-scalar offsets into the page's text, end exclusive.
    public var start: Int
    public var end: Int
    public var box: Box
    /// The left edge of each character, then the right edge of the last: `end - start + 1` values, in points.
    public var edges: [Float]

    public init(start: Int, end: Int, box: Box, edges: [Float]) {
        self.start = start
        self.end = end
        self.box = box
        self.edges = edges
    }
}

/// A rectangle on a page in PDF points, measured from the page's top-left corner (y grows downwards,
/// as when the page is drawn on screen).
public struct Box: Sendable, Codable, Equatable, Hashable {
    public var page: Int
    public var x0: Double
    public var y0: Double
    public var x1: Double
    public var y1: Double

    public init(page: Int, x0: Double, y0: Double, x1: Double, y1: Double) {
        self.page = page
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }
}
