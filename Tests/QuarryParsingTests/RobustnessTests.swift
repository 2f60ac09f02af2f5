import Foundation
import QuarryCore
import QuarryParsing
import QuarryTestSupport
import Testing

/// Bad input gets a clear error, never a crash.
@Suite("Damaged and hostile input")
struct RobustnessTests {
    static let pdf = try! Data(contentsOf: repositoryRoot.appendingPathComponent("corpora/pdf/multicolumn.pdf"))

    @Test("zero bytes is 'empty'")
    func empty() {
        #expect(throws: DocumentError.empty) { try DocumentParser.parse(Data(), tenant: "t") }
        #expect(throws: DocumentError.empty) { try PDFReader.parse(Data()) }
        #expect(throws: DocumentError.empty) { try HTMLReader.parse(Data()) }
    }

    @Test("neither PDF, HTML nor .txt is 'unsupported type', and a .pdf that is not one too")
    func unsupported() {
        #expect(throws: DocumentError.self) { try DocumentParser.parse(Data("just some words".utf8), tenant: "t", filename: "notes.dat") }
        #expect(throws: DocumentError.self) { try DocumentParser.parse(Data("just some words".utf8), tenant: "t") }
        #expect(throws: DocumentError.unsupportedType("fake.pdf is neither PDF, HTML nor .txt")) {
            try DocumentParser.parse(Data("<html>not really</html>".utf8), tenant: "t", filename: "fake.pdf")
        }
    }

    @Test("a truncated PDF fails clearly or yields what poppler can recover", arguments: [10, 100, 1000, 10_000, 40_000, 78_000])
    func truncated(length: Int) {
        let prefix = Self.pdf.prefix(length)
        do {
            let document = try DocumentParser.parse(prefix, tenant: "t", filename: "cut.pdf")
            #expect(document.pages.count <= 3)
        } catch {
            #expect(!error.description.isEmpty)
        }
    }

    @Test("random bytes behind a PDF header and random HTML never crash", arguments: 0..<24)
    func randomBytes(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed))  // a failing case can be replayed
        let noise = Data((0..<(512 + seed * 300)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        #expect(throws: DocumentError.self) { try DocumentParser.parse(Data("%PDF-1.7\n".utf8) + noise, tenant: "t") }
        _ = try? HTMLReader.parse(Data("<html><body>".utf8) + noise)
        // Bytes flipped inside a real PDF: parsed or refused, either is fine; a crash is not.
        var damaged = Self.pdf
        for _ in 0..<50 {
            let index = Int.random(in: 0..<damaged.count, using: &generator)
            damaged[index] = UInt8.random(in: 0...255, using: &generator)
        }
        _ = try? DocumentParser.parse(damaged, tenant: "t")
    }

    @Test("deeply nested HTML is read without recursion; hostile depth is cut by libxml2, not a crash")
    func deepNesting() throws {
        func nested(_ depth: Int) -> Data {
            Data((String(repeating: "<div>", count: depth) + "deep text" + String(repeating: "</div>", count: depth)).utf8)
        }
        let document = try DocumentParser.parse(nested(200), tenant: "t", filename: "deep.html")
        #expect(document.pages.first?.text == "deep text")
        // libxml2 stops building the tree past its depth limit (256): the text is lost, the process is not.
        _ = try? DocumentParser.parse(nested(50_000), tenant: "t", filename: "deeper.html")
    }

    @Test("plain text: one page, paragraphs at blank lines, windows-1252 and CRLF read")
    func plainText() throws {
        let bytes = Data("  First line\r\nstill first.\r\n \r\n\r\nSecond caf\u{E9}\n".utf8.map { $0 }).replacingCafe()
        let document = try DocumentParser.parse(bytes, tenant: "t", filename: "notes.txt")
        #expect(document.source.mediaType == .plainText)
        #expect(document.pages.count == 1)
        let page = try #require(document.pages.first)
        let scalars = Array(page.text.unicodeScalars)
        let paragraphs = page.blocks.map { String(String.UnicodeScalarView(scalars[$0.start..<$0.end])) }
        #expect(paragraphs == ["First line\nstill first.", "Second café"])
        #expect(document.metadata["encoding"] == "windows-1252")
    }
}

private extension Data {
    /// The UTF-8 "é" (C3 A9) as windows-1252's single byte E9, so the text is not valid UTF-8.
    func replacingCafe() -> Data {
        var bytes = [UInt8](self)
        if let index = bytes.indices.dropLast().first(where: { bytes[$0] == 0xC3 && bytes[$0 + 1] == 0xA9 }) {
            bytes.replaceSubrange(index...(index + 1), with: [0xE9])
        }
        return Data(bytes)
    }
}
