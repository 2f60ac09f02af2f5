import Foundation
import QuarryCore
import QuarryEmbedding
import QuarryParsing
import QuarryTestSupport
import Testing

/// The documents kept in `corpora/` (see its README): these run on any clone.
@Suite("Local corpus: PDF and HTML documents kept in the repository")
struct LocalCorpusTests {
    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: repositoryRoot.appendingPathComponent("corpora/\(name)"))
    }

    @Test("a two-column LaTeX page reads column by column, with geometry for every line")
    func twoColumns() throws {
        let document = try DocumentParser.parse(try Self.data("pdf/multicolumn.pdf"), tenant: "t", filename: "multicolumn.pdf")
        #expect(document.status == .parsed)
        #expect(document.pages.count == 3)
        let page = document.pages[0]
        let pdftotext = try run("/usr/bin/pdftotext", ["-f", "1", "-l", "1", "-enc", "UTF-8", repositoryRoot.appendingPathComponent("corpora/pdf/multicolumn.pdf").path, "-"])
        #expect(wordSimilarity(comparableWords(page.text), comparableWords(pdftotext)) >= 0.97)
        // Every line's box lies on the page, and its text range is inside the page text.
        let length = page.text.unicodeScalars.count
        for line in page.lines {
            #expect(line.start < line.end && line.end <= length)
            #expect(line.edges.count == line.end - line.start + 1)
            #expect(line.box.x0 >= 0 && line.box.x1 <= page.width! && line.box.y0 >= 0 && line.box.y1 <= page.height!)
        }
        // The left column is read to its end before the right column starts.
        let leftColumnLines = page.lines.filter { $0.box.x1 < page.width! / 2 }
        let rightColumnLines = page.lines.filter { $0.box.x0 > page.width! / 2 }
        #expect(!leftColumnLines.isEmpty && !rightColumnLines.isEmpty)
        #expect(leftColumnLines.map(\.start).max()! < rightColumnLines.map(\.start).min()!)
    }

    @Test("boxes of a character range cover exactly the characters of that range")
    func boxesOfARange() throws {
        let document = try DocumentParser.parse(try Self.data("pdf/multicolumn.pdf"), tenant: "t")
        let page = document.pages[0]
        let line = try #require(page.lines.first { $0.end - $0.start > 20 })
        let whole = page.boxes(from: line.start, to: line.end)
        #expect(whole == [line.box])
        let part = page.boxes(from: line.start + 5, to: line.start + 10)
        #expect(part.count == 1)
        #expect(part[0].x0 == Double(line.edges[5]) && part[0].x1 == Double(line.edges[10]))
        #expect(part[0].x0 > line.box.x0 && part[0].x1 < line.box.x1)
        #expect(page.boxes(from: 3, to: 3).isEmpty)
    }

    @Test("the encrypted PDF needs its password")
    func encrypted() throws {
        let data = try Self.data("pdf/libreoffice-writer-password.pdf")
        #expect(throws: DocumentError.encrypted) { try DocumentParser.parse(data, tenant: "t") }
        #expect(throws: DocumentError.wrongPassword) { try DocumentParser.parse(data, tenant: "t", password: "wrong") }
        let document = try DocumentParser.parse(data, tenant: "t", password: "openpassword")
        #expect(document.pages.first?.text.isEmpty == false)
    }

    @Test("a scan without a text layer ends needs_ocr, not silently empty")
    func scan() throws {
        let document = try DocumentParser.parse(try Self.data("pdf/c02-22.pdf"), tenant: "t")
        #expect(document.status == .needsOCR)
        #expect(document.error?.contains("OCR") == true)
    }

    @Test("HTML: headings nest, code stays verbatim, permalink marks are dropped")
    func html() throws {
        let document = try DocumentParser.parse(try Self.data("html/python-tutorial-appendix.html"), tenant: "t", filename: "appendix.html")
        #expect(document.source.mediaType == .html)
        #expect(document.title == "16. Appendix — Python 3.11.2 documentation" || document.title?.hasPrefix("16. Appendix") == true)
        let page = try #require(document.pages.first)
        let scalars = Array(page.text.unicodeScalars)
        func text(_ block: TextBlock) -> String { String(String.UnicodeScalarView(scalars[block.start..<block.end])) }
        let headings = page.blocks.filter { $0.kind == .heading }
        #expect(headings.first.map(text) == "16. Appendix")
        #expect(headings.first?.level == 1)
        #expect(headings.contains { text($0) == "16.1.1. Error Handling" && $0.level == 3 })
        #expect(!page.text.contains("\u{00B6}"))
        let code = try #require(page.blocks.first { $0.kind == .code && text($0).contains("import os") })
        #expect(text(code).contains("\n"))
    }
}
