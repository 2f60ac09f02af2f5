/// A parsed document: its identity, where it came from, its pages and where it stands in the pipeline.
public struct Document: Sendable, Codable, Equatable {
    /// sha256 of the raw bytes, lowercase hex: identical bytes are the same document.
    public var id: String
    public var tenant: String
    public var source: Source
    public var title: String?
    public var pages: [Page]
    /// Author, dates and other facts the file states about itself.
    public var metadata: [String: String]
    public var status: Status
    /// Why the document failed or needs attention, for a person.
    public var error: String?

    public init(
        id: String, tenant: String, source: Source, title: String?, pages: [Page],
        metadata: [String: String] = [:], status: Status, error: String? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.source = source
        self.title = title
        self.pages = pages
        self.metadata = metadata
        self.status = status
        self.error = error
    }

    public struct Source: Sendable, Codable, Equatable {
        /// `file:///…`, `https://…`, or the upload's name when it came with no location.
        public var uri: String
        public var filename: String?
        public var mediaType: MediaType

        public init(uri: String, filename: String?, mediaType: MediaType) {
            self.uri = uri
            self.filename = filename
            self.mediaType = mediaType
        }
    }

    /// The pipeline's stages, in order, plus the two ways a document can stop short.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case queued, parsing
        /// Parsed, not yet chunked: where `quarry parse` leaves a document.
        case parsed
        case chunking, embedding, indexed, failed
        /// No page has a text layer (a scan): nothing to index until someone runs OCR.
        case needsOCR = "needs_ocr"
        /// Its index job was canceled before the document's turn came; submitting it again queues it.
        case canceled
    }
}

/// The document formats Quarry reads.
public enum MediaType: String, Sendable, Codable, CaseIterable {
    case pdf = "application/pdf"
    case html = "text/html"
    case plainText = "text/plain"

    /// The format's name for people: PDF, HTML, text.
    public var displayName: String {
        switch self {
        case .pdf: "PDF"
        case .html: "HTML"
        case .plainText: "text"
        }
    }
}
