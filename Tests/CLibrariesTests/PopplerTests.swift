import CPoppler
import Foundation
import Testing

@Suite("poppler-glib")
struct PopplerTests {
    @Test("opens a one-page PDF from memory and extracts its text")
    func extractsText() throws {
        let pdf = Self.onePagePDF(text: "Quarry finds answers")
        let bytes = g_bytes_new(Array(pdf), gsize(pdf.count))
        defer { g_bytes_unref(bytes) }
        var error: UnsafeMutablePointer<GError>?
        let document = try #require(poppler_document_new_from_bytes(bytes, nil, &error), "poppler: \(error.map { String(cString: $0.pointee.message) } ?? "?")")
        defer { g_object_unref(UnsafeMutableRawPointer(document)) }
        #expect(poppler_document_get_n_pages(document) == 1)
        let page = try #require(poppler_document_get_page(document, 0))
        defer { g_object_unref(UnsafeMutableRawPointer(page)) }
        let text = try #require(poppler_page_get_text(page))
        defer { g_free(text) }
        #expect(String(cString: text).contains("Quarry finds answers"))
        var width = 0.0, height = 0.0
        poppler_page_get_size(page, &width, &height)
        #expect(width == 612 && height == 792)
    }

    @Test("reports a clear error for bytes that are not a PDF")
    func rejectsGarbage() {
        let junk = Array("not a pdf at all".utf8)
        let bytes = g_bytes_new(junk, gsize(junk.count))
        defer { g_bytes_unref(bytes) }
        var error: UnsafeMutablePointer<GError>?
        let document = poppler_document_new_from_bytes(bytes, nil, &error)
        #expect(document == nil)
        #expect(error != nil)
        if let error { g_error_free(error) }
    }

    /// A minimal valid PDF with correct xref offsets and one line of Helvetica text.
    static func onePagePDF(text: String) -> Data {
        let stream = "BT /F1 24 Tf 72 700 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream",
        ]
        var pdf = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, body) in objects.enumerated() {
            offsets.append(pdf.utf8.count)
            pdf += "\(index + 1) 0 obj\n\(body)\nendobj\n"
        }
        let xref = pdf.utf8.count
        pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { pdf += String(format: "%010d 00000 n \n", offset) }
        pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(pdf.utf8)
    }
}
