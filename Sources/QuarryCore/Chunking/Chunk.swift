/// A piece of a document small enough to embed, that knows exactly where its text came from.
public struct Chunk: Sendable, Codable, Equatable {
    /// Deterministic: document id, ordinal and a hash of the text (``ChunkID``), so re-indexing the
    /// same bytes yields the same ids.
    public var id: String
    public var documentId: String
    public var tenant: String
    /// Position of the chunk in its document, from 0.
    public var ordinal: Int
    /// The spans' texts joined with a newline.
    public var text: String
    /// The headings this chunk sits under, outermost first.
    public var headingPath: [String]
    public var pageStart: Int
    public var pageEnd: Int
    /// The character ranges the chunk covers, in reading order: one per page, or more where page
    /// furniture (a running header, a page number) sits between its pieces.
    public var spans: [Span]
    /// Where the text is drawn (PDF only): one box per line.
    public var boxes: [Box]
    /// Model tokens, without the special tokens added around an input.
    public var tokenCount: Int

    public init(
        id: String, documentId: String, tenant: String, ordinal: Int, text: String, headingPath: [String],
        pageStart: Int, pageEnd: Int, spans: [Span], boxes: [Box], tokenCount: Int
    ) {
        self.id = id
        self.documentId = documentId
        self.tenant = tenant
        self.ordinal = ordinal
        self.text = text
        self.headingPath = headingPath
        self.pageStart = pageStart
        self.pageEnd = pageEnd
        self.spans = spans
        self.boxes = boxes
        self.tokenCount = tokenCount
    }

    /// A character range on one page: Unicode-scalar offsets into the page's text, end exclusive.
    public struct Span: Sendable, Codable, Equatable {
        public var page: Int
        public var start: Int
        public var end: Int

        public init(page: Int, start: Int, end: Int) {
            self.page = page
            self.start = start
            self.end = end
        }
    }
}
