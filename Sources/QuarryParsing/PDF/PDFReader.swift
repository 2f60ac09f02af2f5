import CPoppler
import Foundation
import QuarryCore

/// Reads PDFs through poppler-glib, one page at a time: each page's layout is released before the
/// next is read, so memory stays bounded by one page's layout plus the text kept.
public enum PDFReader {
    /// Parses `data`, calling `progress` after each page with (pages done, page count).
    ///
    /// With `concurrency` above 1, a long document's pages are read by that many workers at once,
    /// each with its own poppler document (poppler shares state between the pages of one
    /// document, never between documents); the result is the same as reading them in order.
    public static func parse(
        _ data: Data, password: String? = nil, concurrency: Int = 1, progress: @Sendable (Int, Int) -> Void = { _, _ in }
    ) throws(DocumentError) -> ParsedDocument {
        let document = try open(data, password: password)
        defer { g_object_unref(UnsafeMutableRawPointer(document)) }
        let count = Int(poppler_document_get_n_pages(document))
        let workers = max(1, min(concurrency, count / 8))
        let results: [(Page, Bool)]
        if workers == 1 {
            results = (0..<count).map { index in
                defer { progress(index + 1, count) }
                return page(document, index: index)
            }
        } else {
            results = try parallelPages(data, password: password, count: count, workers: workers, progress: progress)
        }
        let scanned = Set(results.filter(\.1).map(\.0.number))
        var pages = results.map(\.0)
        PageFurniture.mark(&pages)
        return ParsedDocument(
            mediaType: .pdf, title: title(document), metadata: metadata(document, pageCount: count),
            pages: pages, scannedPages: scanned
        )
    }

    /// Worker `w` reads pages w, w + workers, w + 2·workers, … from its own copy of the document.
    private static func parallelPages(
        _ data: Data, password: String?, count: Int, workers: Int, progress: @Sendable (Int, Int) -> Void
    ) throws(DocumentError) -> [(Page, Bool)] {
        let slots = PageSlots(count: count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            guard let document = try? open(data, password: password) else { return }
            defer { g_object_unref(UnsafeMutableRawPointer(document)) }
            for index in stride(from: worker, to: count, by: workers) {
                progress(slots.store(page(document, index: index), at: index), count)
            }
        }
        guard let pages = slots.all() else { throw .malformed("a worker could not reopen the document") }
        return pages
    }

    /// The number of pages, without reading any of them.
    public static func pageCount(_ data: Data, password: String? = nil) throws(DocumentError) -> Int {
        let document = try open(data, password: password)
        defer { g_object_unref(UnsafeMutableRawPointer(document)) }
        return Int(poppler_document_get_n_pages(document))
    }

    static func open(_ data: Data, password: String?) throws(DocumentError) -> OpaquePointer {
        guard !data.isEmpty else { throw .empty }
        let bytes = data.withUnsafeBytes { g_bytes_new($0.baseAddress, gsize($0.count)) }
        defer { g_bytes_unref(bytes) }
        // A stream, not poppler_document_new_from_bytes: poppler 22.12 crashes there (and in
        // new_from_data) when an encrypted document is given the wrong password.
        let stream = g_memory_input_stream_new_from_bytes(bytes)
        defer { g_object_unref(UnsafeMutableRawPointer(stream)) }
        var error: UnsafeMutablePointer<GError>?
        guard let document = poppler_document_new_from_stream(stream, goffset(data.count), password, nil, &error) else {
            let code = error?.pointee.code ?? 0
            let message = error.map { String(cString: $0.pointee.message) } ?? "unknown error"
            if let error { g_error_free(error) }
            if code == Int32(POPPLER_ERROR_ENCRYPTED.rawValue) {
                throw password == nil ? .encrypted : .wrongPassword
            }
            throw .malformed(message)
        }
        return document
    }

    /// The page, and whether it looks like a scan.
    static func page(_ document: OpaquePointer, index: Int) -> (Page, Bool) {
        guard let page = poppler_document_get_page(document, Int32(index)) else {
            return (Page(number: index + 1, text: "", blocks: [], hasTextLayer: false), false)
        }
        defer { g_object_unref(UnsafeMutableRawPointer(page)) }
        var width = 0.0, height = 0.0
        poppler_page_get_size(page, &width, &height)
        let result = PDFPageLayout.page(number: index + 1, characters: characters(page), width: width, height: height)
        return (result, !result.hasTextLayer || isScan(page, text: result.text, area: width * height))
    }

    /// A page that is mostly picture with little text (under 200 characters) is a scan: its text is
    /// a stamp, a page number or a poor OCR layer, not what the page says.
    static func isScan(_ page: OpaquePointer, text: String, area: Double) -> Bool {
        guard area > 0, text.unicodeScalars.lazy.filter({ !$0.isSpace }).count < 200 else { return false }
        let mappings = poppler_page_get_image_mapping(page)
        defer { poppler_page_free_image_mapping(mappings) }
        var covered = 0.0
        var node = mappings
        while let current = node {
            if let area = current.pointee.data?.assumingMemoryBound(to: PopplerImageMapping.self).pointee.area {
                covered += abs((area.x2 - area.x1) * (area.y2 - area.y1))
            }
            node = current.pointee.next
        }
        return covered / area > 0.5
    }

    /// The page's characters in reading order, each with its rectangle and font. poppler computes
    /// the text layout once per page and shares it between these three calls.
    static func characters(_ page: OpaquePointer) -> [PDFCharacter] {
        guard let raw = poppler_page_get_text(page) else { return [] }
        defer { g_free(raw) }
        var rectangles: UnsafeMutablePointer<PopplerRectangle>?
        var rectangleCount: guint = 0
        guard poppler_page_get_text_layout(page, &rectangles, &rectangleCount) != 0, let rectangles else { return [] }
        defer { g_free(rectangles) }

        var scalars = Array(String(cString: raw).unicodeScalars)
        if scalars.count != Int(rectangleCount) {
            // Right-to-left text comes with bidi marks that have no rectangle of their own.
            scalars.removeAll { $0.properties.generalCategory == .format }
        }
        let count = min(scalars.count, Int(rectangleCount))
        var sizes = [Double](repeating: 0, count: count)
        var monospace = [Bool](repeating: false, count: count)
        let attributes = poppler_page_get_text_attributes(page)
        defer { poppler_page_free_text_attributes(attributes) }
        var node = attributes
        var monospaceFonts: [String: Bool] = [:]  // a page uses a handful of fonts in many runs
        while let current = node {
            if let attribute = current.pointee.data?.assumingMemoryBound(to: PopplerTextAttributes.self).pointee {
                let fixed = attribute.font_name.map { raw in
                    let name = String(cString: raw)
                    if let known = monospaceFonts[name] { return known }
                    let answer = isMonospaceFont(name)
                    monospaceFonts[name] = answer
                    return answer
                } ?? false
                let lower = max(0, Int(attribute.start_index))
                let upper = min(count - 1, Int(attribute.end_index))
                if lower <= upper {
                    for index in lower...upper {
                        sizes[index] = attribute.font_size
                        monospace[index] = fixed
                    }
                }
            }
            node = current.pointee.next
        }

        var result: [PDFCharacter] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let rectangle = rectangles[index]
            result.append(PDFCharacter(
                scalar: scalars[index], x0: rectangle.x1, y0: rectangle.y1, x1: rectangle.x2, y1: rectangle.y2,
                fontSize: sizes[index], isMonospace: monospace[index]
            ))
        }
        return result
    }

    static func isMonospaceFont(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.contains("mono") || lower.contains("courier") || lower.contains("cmtt") || lower.contains("consol")
            || lower.contains("typewriter") || lower.hasSuffix("tt")
    }

    static func title(_ document: OpaquePointer) -> String? {
        guard let raw = poppler_document_get_title(document) else { return nil }
        defer { g_free(raw) }
        let title = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
        return title.isEmpty ? nil : title
    }

    static func metadata(_ document: OpaquePointer, pageCount: Int) -> [String: String] {
        var result = ["pages": String(pageCount)]
        let fields: [(String, (OpaquePointer?) -> UnsafeMutablePointer<gchar>?)] = [
            ("author", poppler_document_get_author), ("subject", poppler_document_get_subject),
            ("keywords", poppler_document_get_keywords), ("creator", poppler_document_get_creator),
            ("producer", poppler_document_get_producer),
        ]
        for (key, read) in fields {
            guard let raw = read(document) else { continue }
            let value = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
            g_free(raw)
            if !value.isEmpty { result[key] = value }
        }
        for (key, read) in [("created", poppler_document_get_creation_date_time), ("modified", poppler_document_get_modification_date_time)] {
            guard let date = read(document) else { continue }
            if let text = g_date_time_format_iso8601(date) {
                result[key] = String(cString: text)
                g_free(text)
            }
            g_date_time_unref(date)
        }
        return result
    }
}

/// Pages written by parallel workers, each into its own slot.
private final class PageSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var pages: [(Page, Bool)?]
    private var filled = 0

    init(count: Int) {
        pages = Array(repeating: nil, count: count)
    }

    /// Stores a page; returns how many pages are in.
    func store(_ page: (Page, Bool), at index: Int) -> Int {
        lock.withLock {
            pages[index] = page
            filled += 1
            return filled
        }
    }

    func all() -> [(Page, Bool)]? {
        lock.withLock { pages.contains { $0 == nil } ? nil : pages.map { $0! } }
    }
}
