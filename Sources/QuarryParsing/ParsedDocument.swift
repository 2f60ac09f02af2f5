import QuarryCore

/// What a parser reads out of a file, before the pipeline gives it an id, a tenant and a status.
public struct ParsedDocument: Sendable, Equatable {
    public var mediaType: MediaType
    public var title: String?
    public var metadata: [String: String]
    public var pages: [Page]
    /// Pages that are mostly a picture with little text: scans, perhaps with a stamp or a poor OCR layer.
    public var scannedPages: Set<Int>

    public init(mediaType: MediaType, title: String?, metadata: [String: String], pages: [Page], scannedPages: Set<Int> = []) {
        self.mediaType = mediaType
        self.title = title
        self.metadata = metadata
        self.pages = pages
        self.scannedPages = scannedPages
    }

    /// True when every page is empty or a scan: the document needs OCR before it is worth indexing.
    public var needsOCR: Bool { pages.allSatisfy { !$0.hasTextLayer || scannedPages.contains($0.number) } }
}
