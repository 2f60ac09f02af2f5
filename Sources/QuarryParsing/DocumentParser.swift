import Foundation
import QuarryCore

/// The one entry point from bytes to a ``Document``: recognises the format from the bytes (the
/// file name only breaks ties), parses, and gives the document its content id and status.
public enum DocumentParser {
    /// The format of `data`, or nil when it is neither PDF nor HTML (nor named `.txt`).
    public static func mediaType(of data: Data, filename: String? = nil) -> MediaType? {
        let head = data.prefix(1024)
        if head.range(of: Data("%PDF-".utf8)) != nil { return .pdf }
        let lowerName = filename?.lowercased() ?? ""
        if lowerName.hasSuffix(".pdf") { return nil }  // claims PDF but is not one
        if lowerName.hasSuffix(".html") || lowerName.hasSuffix(".htm") || lowerName.hasSuffix(".xhtml") { return .html }
        if lowerName.hasSuffix(".txt") { return .plainText }
        let text = String(decoding: head.filter { $0 != 0 }, as: UTF8.self).lowercased()
        for marker in ["<!doctype html", "<html", "<head", "<body", "<title", "<p>", "<div", "<h1"] where text.contains(marker) {
            return .html
        }
        return nil
    }

    /// Parses `data` into a document owned by `tenant`: `needs_ocr` when every page is empty or a
    /// scan, else `parsed`. `concurrency` workers read a long PDF's pages at once.
    public static func parse(
        _ data: Data, tenant: String, source: Document.Source? = nil, filename: String? = nil, password: String? = nil,
        concurrency: Int = 1, progress: @Sendable (Int, Int) -> Void = { _, _ in }
    ) throws(DocumentError) -> Document {
        guard !data.isEmpty else { throw .empty }
        guard let mediaType = source?.mediaType ?? mediaType(of: data, filename: filename) else {
            throw .unsupportedType(filename.map { "\($0) is neither PDF, HTML nor .txt" } ?? "neither PDF nor HTML (text needs a .txt name)")
        }
        let parsed: ParsedDocument = switch mediaType {
        case .pdf: try PDFReader.parse(data, password: password, concurrency: concurrency, progress: progress)
        case .html: try HTMLReader.parse(data)
        case .plainText: try PlainTextReader.parse(data)
        }
        let title = parsed.title ?? firstHeading(parsed.pages) ?? filename
        return Document(
            id: ContentHash.sha256(data), tenant: tenant,
            source: source ?? Document.Source(uri: filename ?? "upload", filename: filename, mediaType: mediaType),
            title: title, pages: parsed.pages, metadata: parsed.metadata,
            status: parsed.needsOCR ? .needsOCR : .parsed,
            error: parsed.needsOCR ? "no page has a usable text layer (a scan): the document needs OCR" : nil
        )
    }

    static func firstHeading(_ pages: [Page]) -> String? {
        for page in pages.prefix(2) {
            if let heading = page.blocks.first(where: { $0.kind == .heading }) {
                let scalars = Array(page.text.unicodeScalars)[heading.start..<heading.end]
                return String(String.UnicodeScalarView(scalars))
            }
        }
        return nil
    }
}
